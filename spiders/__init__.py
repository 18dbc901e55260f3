"""thumbwatch's spiders: one per watched site; they parse pages into `ListingItem`s only.

Real marketplaces (`spiders.marketplace.MarketplaceSpider`; arguments ``domains``, ``queries``,
``terms_file``, ``locale``, ``max_pages`` (default 5), ``max_queries``; queries from
`spiders.queries`):

- ``ebay``: ebay.com, .co.uk, .fr, .de, .it, .es
- ``amazon``: amazon.com, .co.uk, .fr, .de, .it, .es
- ``aliexpress``: aliexpress.com (+ fr/es/de/it/nl/pt/pl subdomains), rendered in Chromium
- ``dhgate``: dhgate.com (+ fr/es/de/it/pt subdomains)
- ``leboncoin``: leboncoin.fr
- ``cdiscount``: cdiscount.com

Web shops: ``shop``. Local sandbox (`spiders.base.SandboxSpider`): ``sandbox_bazaar``,
``sandbox_jsmarket``, ``sandbox_shop``.
"""
