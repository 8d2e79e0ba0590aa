//! Reason codes, `rjct.<field>.<problem>`, as the standards name them; tepat's own additions (for
//! signatures, which the standards leave to the implementer) are marked.

macro_rules! reasons {
    ($($(#[$doc:meta])* $name:ident => $code:literal,)+) => {
        /// Why a request or an item was rejected.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ReasonCode { $($(#[$doc])* $name,)+ }

        impl ReasonCode {
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$name,)+];

            pub fn code(self) -> &'static str {
                match self { $(ReasonCode::$name => $code,)+ }
            }

            pub fn parse(s: &str) -> Option<ReasonCode> {
                Self::ALL.iter().copied().find(|r| r.code() == s)
            }
        }
    };
}

reasons! {
    VersionInvalid => "rjct.version.invalid",
    MessageIdDuplicate => "rjct.message_id.duplicate",
    MessageTsInvalid => "rjct.message_ts.invalid",
    ActionInvalid => "rjct.action.invalid",
    ActionNotSupported => "rjct.action.not_supported",
    TotalCountInvalid => "rjct.total_count.invalid",
    TotalCountLimitExceeded => "rjct.total_count.limit_exceeded",
    ErrorsTooMany => "rjct.errors.too_many",
    ReferenceIdInvalid => "rjct.reference_id.invalid",
    ReferenceIdDuplicate => "rjct.reference_id.duplicate",
    TimestampInvalid => "rjct.timestamp.invalid",
    SearchCriteriaInvalid => "rjct.search_criteria.invalid",
    FilterInvalid => "rjct.filter.invalid",
    SortInvalid => "rjct.sort.invalid",
    PaginationInvalid => "rjct.pagination.invalid",
    SearchTooManyRecordsFound => "rjct.search.too_many_records_found",
    NotifyTypesInvalid => "rjct.notify_types.invalid",
    NotifyDetailsInvalid => "rjct.notify_details.invalid",
    PersonIdInvalid => "rjct.person_id.invalid",
    EventAlreadySubscribed => "rjct.event.already_subscribed",
    SubscriptionCodeInvalid => "rjct.subscription_code.invalid",
    EventAlreadyUnsubscribed => "rjct.event.already_unsubscribed",
    /// tepat: the signature is missing, malformed, expired or does not verify.
    SignatureInvalid => "rjct.signature.invalid",
    /// tepat: the sender or its key is not known here.
    SenderUnknown => "rjct.sender_id.invalid",
    /// tepat: the sender may not ask this (outside the agency's scopes).
    SenderNotAuthorized => "rjct.sender_id.not_authorized",
    /// tepat: the sender sent more messages this minute than its rate limit allows; try again later.
    SenderRateLimited => "rjct.sender_id.rate_limited",
    /// tepat: `sender_uri` is missing, malformed or points where tepat will not call (SSRF protection).
    SenderUriInvalid => "rjct.sender_uri.invalid",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_the_standard_shape_and_parses_back() {
        for reason in ReasonCode::ALL {
            let code = reason.code();
            let parts: Vec<&str> = code.split('.').collect();
            assert_eq!(parts.len(), 3, "{code}");
            assert_eq!(parts[0], "rjct", "{code}");
            assert_eq!(ReasonCode::parse(code), Some(*reason));
        }
        assert_eq!(ReasonCode::parse("rjct.nothing"), None);
    }
}
