//! Picking one session when an SDK's storage holds several candidates (apps, users, media):
//! the freshest wins, or the first in the order the SDK reads them. Apart because many SDK files
//! share it and its tie-breaking is one decision.

use crate::core::source::{LegacySession, Unreadable};

/// The latest expiry of a session's tokens: sessions compare by it when several are found.
fn freshness(session: &LegacySession) -> i64 {
    session
        .tokens
        .iter()
        .filter_map(|token| token.facts.expires_at)
        .max()
        .unwrap_or(0)
}

/// Gathers candidate sessions: the freshest one wins; with none, the first reason a value did
/// not parse, if any.
#[derive(Default)]
pub(super) struct Candidates {
    best: Option<LegacySession>,
    unreadable: Option<Unreadable>,
}

impl Candidates {
    pub(super) fn offer(&mut self, candidate: Result<Option<LegacySession>, Unreadable>) {
        match candidate {
            Ok(Some(session)) => {
                if self
                    .best
                    .as_ref()
                    .is_none_or(|best| freshness(&session) > freshness(best))
                {
                    self.best = Some(session);
                }
            }
            Ok(None) => {}
            Err(why) => {
                self.unreadable.get_or_insert(why);
            }
        }
    }

    /// The first that yields a session wins (SDKs that read their media in an order).
    pub(super) fn first(&mut self, candidate: Result<Option<LegacySession>, Unreadable>) {
        if self.best.is_none() {
            self.offer(candidate);
        }
    }

    pub(super) fn finish(self) -> Result<Option<LegacySession>, Unreadable> {
        match (self.best, self.unreadable) {
            (Some(session), _) => Ok(Some(session)),
            (None, Some(why)) => Err(why),
            (None, None) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets::fixtures::*;
    use crate::core::presets::read::{session, token};
    use crate::core::source::TokenKind;

    #[test]
    fn candidates_prefer_the_freshest_then_a_reason() {
        let mut candidates = Candidates::default();
        candidates.offer(Err(Unreadable::NotJson));
        candidates.offer(Ok(None));
        assert_eq!(
            core::mem::take(&mut candidates).finish(),
            Err(Unreadable::NotJson)
        );
        let older = session(
            vec![token(TokenKind::AccessToken, &jwt_exp(NOW), None)],
            vec![],
        );
        let newer = session(
            vec![token(TokenKind::AccessToken, &jwt_exp(NOW + 10), None)],
            vec![],
        );
        candidates.offer(Ok(older));
        candidates.offer(Err(Unreadable::NotJson));
        candidates.offer(Ok(newer.clone()));
        assert_eq!(candidates.finish(), Ok(newer));
    }
}
