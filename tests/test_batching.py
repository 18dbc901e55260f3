"""Batcher: batches by size and delay, one result per caller, failures reach the right callers."""

from __future__ import annotations

import asyncio

import pytest

from crawler.batching import Batcher


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_items_arriving_together_run_as_one_batch_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def double(items: list[int]) -> list[int]:
        batches.append(list(items))
        return [2 * i for i in items]

    async def main() -> list[int]:
        batcher = Batcher(double, size=100, delay=0.01)
        return list(await asyncio.gather(*(batcher.submit(i) for i in range(5))))

    assert run(main()) == [0, 2, 4, 6, 8]
    assert batches == [[0, 1, 2, 3, 4]]


def test_a_full_batch_runs_at_once_without_waiting_for_the_delay() -> None:
    batches: list[list[int]] = []

    async def echo(items: list[int]) -> list[int]:
        batches.append(list(items))
        return items

    async def main() -> list[int]:
        batcher = Batcher(echo, size=2, delay=60)
        return list(await asyncio.wait_for(asyncio.gather(*(batcher.submit(i) for i in range(4))), 5))

    assert run(main()) == [0, 1, 2, 3]
    assert batches == [[0, 1], [2, 3]]


def test_a_failed_item_fails_only_its_caller() -> None:
    async def picky(items: list[int]) -> list[int | BaseException]:
        return [ValueError(f"odd {i}") if i % 2 else i for i in items]

    async def main() -> list[object]:
        batcher = Batcher(picky, size=10, delay=0)
        return list(await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True))

    first, second, third = run(main())
    assert first == 0 and third == 2
    assert isinstance(second, ValueError) and str(second) == "odd 1"


def test_a_failed_batch_fails_every_caller_of_that_batch_only() -> None:
    calls = 0

    async def flaky(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        return items

    async def main() -> tuple[list[object], int]:
        batcher = Batcher(flaky, size=2, delay=0)
        failed = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
        return list(failed), await batcher.submit(3)

    failed, later = run(main())
    assert [type(f) for f in failed] == [OSError, OSError]
    assert later == 3


def test_a_run_giving_the_wrong_number_of_outcomes_is_an_error() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    async def main() -> None:
        batcher = Batcher(short, size=10, delay=0)
        await asyncio.gather(batcher.submit(1), batcher.submit(2))

    with pytest.raises(RuntimeError, match="a batch of 2 items gave 1 outcomes"):
        run(main())


def test_drain_runs_what_is_pending_and_waits_for_it() -> None:
    done: list[int] = []

    async def slow(items: list[int]) -> list[None]:
        await asyncio.sleep(0.05)
        done.extend(items)
        return [None] * len(items)

    async def main() -> None:
        batcher = Batcher(slow, size=100, delay=60)
        waiting = [asyncio.ensure_future(batcher.submit(i)) for i in range(3)]
        await asyncio.sleep(0)
        await batcher.drain()
        assert done == [0, 1, 2]
        await asyncio.gather(*waiting)

    run(main())


@pytest.mark.parametrize(("size", "delay"), [(0, 0.1), (5, -1)])
def test_bad_sizes_and_delays_are_refused(size: int, delay: float) -> None:
    async def echo(items: list[int]) -> list[int]:
        return items

    with pytest.raises(ValueError, match="batch"):
        Batcher(echo, size=size, delay=delay)
