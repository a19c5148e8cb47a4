// SPDX-License-Identifier: GPL-2.0

//! Waiting for whichever of two futures finishes first.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

/// The outcome of [`race`]: which future finished, and its output.
pub enum Either<A, B> {
    /// The first future finished first (or both at once).
    First(A),
    /// The second future finished first.
    Second(B),
}

/// Polls `first`, then `second`, until one of them is ready; the other is
/// dropped unfinished. `first` wins a tie.
pub async fn race<A: Future, B: Future>(first: A, second: B) -> Either<A::Output, B::Output> {
    let mut first = pin!(first);
    let mut second = pin!(second);
    poll_fn(|cx| {
        if let Poll::Ready(out) = first.as_mut().poll(cx) {
            return Poll::Ready(Either::First(out));
        }
        if let Poll::Ready(out) = second.as_mut().poll(cx) {
            return Poll::Ready(Either::Second(out));
        }
        Poll::Pending
    })
    .await
}
