"""Evidence: the content-addressed blob store, capture records, the custody log and referrals."""
