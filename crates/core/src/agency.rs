//! Partner agencies (the population office, BPJS, education, …) reading the social registry through the
//! DCI Social Registry API (`docs/agency-api.md`): authentication by signature, authorisation as types,
//! search answers as KK groups, subscriptions and the notifications queued for them.
//!
//! An agency is not an officer and has no [`crate::access::Role`]; its rights are its own: a region
//! scope and three permissions ([`SearchRecords`], [`Subscribe`], and [`ReportPopulation`] for the
//! population office's deaths and moves, [`report_population`]). The only way to an
//! [`AuthenticatedAgency`] is [`authenticate`] (a signed message that verifies against the agency's
//! registered keys, from an enabled agency, with a message id not seen before); the only way to an
//! [`AgencyGrant`] is [`AuthenticatedAgency::may`], which checks the permission. Reading a record takes
//! the grant and stays inside its scope, and every full record an agency receives is written to the
//! audit log with the agency as actor.

use std::marker::PhantomData;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use tepat_dci::registry::{
    Group, IdQuery, Identifier, Member, Person, PersonName, QueryType, RegistryData,
    SearchRequestItem, SearchResponseItem,
};
use tepat_dci::signature::MAX_LIFETIME_SECONDS;
use tepat_dci::{Header, Jwks, ReasonCode, Status};
use tepat_domain::registry::{ChangeKind, RegistryMember};
use tepat_domain::{KkNumber, Nik, Relationship, Role, Scope, Sex};
use tepat_store::{
    Agency, AuditAction, AuditEntry, FeedCursor, HouseholdState, NewAgency, NewOutboxItem,
    ObjectKind, Store, StoreError, StoredHousehold, Subscription,
};
use uuid::Uuid;

use crate::access::{Administer, Grant};
use crate::registry::Origin;

/// The DCI registry type tepat answers for.
pub const REG_TYPE: &str = "ns:org:RegistryType:Social";
/// Event types an agency may subscribe to.
pub const EVENT_TYPES: &[&str] = &["registration", "update", "death", "move"];
/// Most items one message may carry.
pub const MAX_ITEMS: usize = 100;
/// How many households one search item may return.
pub const MAX_RECORDS: usize = 20;

/// Why a message or an item is refused: a DCI reason code and an English explanation for the partner's
/// developers (never the message's content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", reason.code())]
pub struct Refusal {
    pub reason: ReasonCode,
    pub message: String,
}

impl Refusal {
    pub fn new(reason: ReasonCode, message: impl Into<String>) -> Refusal {
        Refusal {
            reason,
            message: message.into(),
        }
    }
}

/// Something went wrong on tepat's side (the database): not the agency's fault.
#[derive(Debug, thiserror::Error)]
pub enum AgencyError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An agency whose message verified: its registration, as of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedAgency {
    agency: Agency,
    /// Its permissions beyond search and subscribe ([`POPULATION`]).
    permissions: Vec<String>,
}

impl AuthenticatedAgency {
    pub fn id(&self) -> Uuid {
        self.agency.id
    }

    pub fn sender_id(&self) -> &str {
        &self.agency.sender_id
    }

    pub fn scope(&self) -> Scope {
        self.agency.scope
    }

    /// Permission to do `P`, if the agency was given it.
    pub fn may<P: AgencyPermission>(&self) -> Result<AgencyGrant<'_, P>, Refusal> {
        if P::granted(self) {
            Ok(AgencyGrant {
                agency: self,
                permission: PhantomData,
            })
        } else {
            Err(Refusal::new(
                ReasonCode::SenderNotAuthorized,
                format!("this agency may not {}", P::WHAT),
            ))
        }
    }

    /// An agency being sent a notification: it subscribed with a verified message, and is still enabled
    /// and allowed to subscribe (`None` otherwise).
    pub fn subscribed(agency: Agency) -> Option<AuthenticatedAgency> {
        (!agency.disabled && agency.may_subscribe).then_some(AuthenticatedAgency {
            agency,
            permissions: Vec::new(),
        })
    }

    /// For tests of other crates: an agency as if its message had verified.
    #[cfg(any(test, feature = "testing"))]
    pub fn for_tests(agency: Agency) -> AuthenticatedAgency {
        AuthenticatedAgency {
            agency,
            permissions: Vec::new(),
        }
    }
}

/// Proof that an authenticated agency may do `P`, inside [`AgencyGrant::scope`].
pub struct AgencyGrant<'a, P> {
    agency: &'a AuthenticatedAgency,
    permission: PhantomData<fn() -> P>,
}

impl<P> AgencyGrant<'_, P> {
    pub fn agency(&self) -> &AuthenticatedAgency {
        self.agency
    }

    pub fn scope(&self) -> Scope {
        self.agency.agency.scope
    }
}

/// What an agency may be allowed to do. Implemented only by the markers below.
pub trait AgencyPermission: sealed::Sealed {
    const WHAT: &'static str;
    fn granted(agency: &AuthenticatedAgency) -> bool;
}

mod sealed {
    pub trait Sealed {}
}

/// Search the registry and receive the households found (audited).
pub enum SearchRecords {}
/// Subscribe to change events and receive the changed households (audited).
pub enum Subscribe {}

/// Report deaths and moves (DCI `notify` from the population office), which become registry tasks.
pub enum ReportPopulation {}

/// The stored name of [`ReportPopulation`] (`tepat admin` grants it).
pub const POPULATION: &str = "population";

impl sealed::Sealed for SearchRecords {}
impl sealed::Sealed for Subscribe {}
impl sealed::Sealed for ReportPopulation {}

impl AgencyPermission for SearchRecords {
    const WHAT: &'static str = "search the registry";
    fn granted(agency: &AuthenticatedAgency) -> bool {
        agency.agency.may_search
    }
}

impl AgencyPermission for Subscribe {
    const WHAT: &'static str = "subscribe to registry changes";
    fn granted(agency: &AuthenticatedAgency) -> bool {
        agency.agency.may_subscribe
    }
}

impl AgencyPermission for ReportPopulation {
    const WHAT: &'static str = "report deaths and moves";
    fn granted(agency: &AuthenticatedAgency) -> bool {
        agency.permissions.iter().any(|p| p == POPULATION)
    }
}

/// Checks a message as received: its header, the sender (registered, enabled), the signature against
/// the sender's keys at `now`, and that its `message_id` was not seen before (remembered for longer
/// than any signature lives). The order matters: a message id is remembered only once the signature
/// verified, so nobody can burn another sender's ids.
pub async fn authenticate(
    store: &dyn Store,
    body: &Value,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(AuthenticatedAgency, Header), AgencyError> {
    let header: Header = body
        .get("header")
        .cloned()
        .ok_or_else(|| Refusal::new(ReasonCode::ActionInvalid, "the message has no header"))
        .and_then(|h| {
            serde_json::from_value(h).map_err(|e| {
                Refusal::new(
                    ReasonCode::ActionInvalid,
                    format!("the header cannot be read: {}", serde_error(&e)),
                )
            })
        })?;
    if header.version != tepat_dci::envelope::VERSION {
        return Err(Refusal::new(
            ReasonCode::VersionInvalid,
            format!("only version {} is supported", tepat_dci::envelope::VERSION),
        )
        .into());
    }
    if header.is_msg_encrypted {
        return Err(Refusal::new(
            ReasonCode::ActionNotSupported,
            "encrypted messages are not supported; send the message in clear over HTTPS",
        )
        .into());
    }
    if header.action != action {
        return Err(Refusal::new(
            ReasonCode::ActionInvalid,
            format!("this endpoint takes the action `{action}`"),
        )
        .into());
    }
    let skew = Duration::seconds(tepat_dci::signature::CLOCK_SKEW_SECONDS);
    if header.message_ts > now + skew
        || header.message_ts < now - Duration::seconds(MAX_LIFETIME_SECONDS) - skew
    {
        return Err(Refusal::new(
            ReasonCode::MessageTsInvalid,
            "message_ts is in the future or older than an hour (check the sender's clock)",
        )
        .into());
    }
    if header.message_id.trim().is_empty() || header.message_id.len() > 128 {
        return Err(Refusal::new(
            ReasonCode::ActionInvalid,
            "message_id must be 1 to 128 characters",
        )
        .into());
    }
    let agency = store
        .agency_by_sender(&header.sender_id)
        .await?
        .ok_or_else(|| {
            Refusal::new(
                ReasonCode::SenderUnknown,
                "no agency with this sender_id is registered here",
            )
        })?;
    let keys: Jwks = serde_json::from_str(&agency.jwks).unwrap_or_default();
    let lookup = |sender: &str, kid: &str| (sender == agency.sender_id).then(|| keys.find(kid))?;
    let verified = tepat_dci::verify(body, &lookup, now.timestamp())
        .map_err(|e| Refusal::new(e.reason(), e.to_string()))?;
    if agency.disabled {
        return Err(Refusal::new(
            ReasonCode::SenderNotAuthorized,
            "this agency is disabled; ask the office that runs tepat",
        )
        .into());
    }
    // Kept past the signature's end, and never less than the longest lifetime accepted.
    let keep_until = DateTime::from_timestamp(verified.expires, 0)
        .unwrap_or(now)
        .max(now + Duration::seconds(MAX_LIFETIME_SECONDS))
        + Duration::seconds(tepat_dci::signature::CLOCK_SKEW_SECONDS);
    if !store
        .remember_message(&agency.sender_id, &header.message_id, keep_until, now)
        .await?
    {
        return Err(Refusal::new(
            ReasonCode::MessageIdDuplicate,
            "this message_id was received before",
        )
        .into());
    }
    let permissions = store.agency_permissions(agency.id).await?;
    Ok((
        AuthenticatedAgency {
            agency,
            permissions,
        },
        header,
    ))
}

/// serde's message without the input it quotes.
fn serde_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Answers one search item inside the grant's scope. `idtype` queries with `NIK` or `KK` are answered;
/// the households found are returned as groups (each a full read, audited with the agency as actor).
/// A record that exists only outside the agency's scope is refused with
/// `rjct.sender_id.not_authorized` (the agency learns that it should ask the office that holds it, and
/// nothing else).
pub async fn search_item(
    store: &dyn Store,
    grant: &AgencyGrant<'_, SearchRecords>,
    item: &SearchRequestItem,
    origin: &Origin,
) -> Result<SearchResponseItem, StoreError> {
    let answer =
        |status: Status, refusal: Option<Refusal>, data: Option<RegistryData>| SearchResponseItem {
            reference_id: item.reference_id.clone(),
            timestamp: origin.now,
            status,
            status_reason_code: refusal.as_ref().map(|r| r.reason.code().to_owned()),
            status_reason_message: refusal.map(|r| r.message),
            data,
            pagination: None,
            locale: item.locale.clone(),
        };
    let query = match parse_query(item) {
        Ok(q) => q,
        Err(refusal) => return Ok(answer(Status::Rjct, Some(refusal), None)),
    };
    let hits = match query {
        Query::Nik(nik) => store.registry_search_nik(&nik, &Scope::All).await?,
        Query::Kk(kk) => store.registry_search_kk(&kk, &Scope::All).await?,
    };
    let mut inside = Vec::new();
    let mut outside = false;
    for hit in &hits {
        if hit.household_state != HouseholdState::Active {
            continue;
        }
        if grant.scope().covers(&hit.village) {
            if !inside.contains(&hit.household) {
                inside.push(hit.household);
            }
        } else {
            outside = true;
        }
    }
    record(
        store,
        grant.agency(),
        AuditAction::Search,
        ObjectKind::Registry,
        None,
        grant.scope(),
        "dci.search",
        origin,
    )
    .await?;
    if inside.is_empty() && outside {
        let refusal = Refusal::new(
            ReasonCode::SenderNotAuthorized,
            "the record lies outside this agency's region scope",
        );
        return Ok(answer(Status::Rjct, Some(refusal), None));
    }
    if inside.len() > MAX_RECORDS {
        let refusal = Refusal::new(
            ReasonCode::SearchTooManyRecordsFound,
            format!("more than {MAX_RECORDS} households match; narrow the query"),
        );
        return Ok(answer(Status::Rjct, Some(refusal), None));
    }
    let mut groups = Vec::new();
    for id in inside {
        if let Some(group) = read_group(store, grant.agency(), id, "dci.search", origin).await? {
            groups.push(group);
        }
    }
    Ok(answer(
        Status::Succ,
        None,
        Some(registry_data(None, groups)),
    ))
}

/// The search criteria tepat answers, checked.
enum Query {
    Nik(Nik),
    Kk(KkNumber),
}

fn parse_query(item: &SearchRequestItem) -> Result<Query, Refusal> {
    if item.reference_id.trim().is_empty() {
        return Err(Refusal::new(
            ReasonCode::ReferenceIdInvalid,
            "reference_id is empty",
        ));
    }
    let criteria = &item.search_criteria;
    if let Some(reg_type) = &criteria.reg_type {
        if reg_type != REG_TYPE {
            return Err(Refusal::new(
                ReasonCode::SearchCriteriaInvalid,
                format!("this registry answers reg_type {REG_TYPE}"),
            ));
        }
    }
    if criteria.query_type != QueryType::IdType {
        return Err(Refusal::new(
            ReasonCode::SearchCriteriaInvalid,
            "tepat answers query_type idtype (NIK or KK)",
        ));
    }
    let query: IdQuery = serde_json::from_value(criteria.query.clone()).map_err(|_| {
        Refusal::new(
            ReasonCode::SearchCriteriaInvalid,
            "an idtype query is {\"type\": \"NIK\" | \"KK\", \"value\": \"<16 digits>\"}",
        )
    })?;
    let value = query.value.trim();
    match query.id_type.to_ascii_uppercase().as_str() {
        "NIK" => Nik::parse_structure(value).map(Query::Nik).map_err(|_| {
            Refusal::new(
                ReasonCode::SearchCriteriaInvalid,
                "the NIK is not 16 digits of a valid structure",
            )
        }),
        "KK" => KkNumber::parse_structure(value)
            .map(Query::Kk)
            .map_err(|_| {
                Refusal::new(
                    ReasonCode::SearchCriteriaInvalid,
                    "the KK number is not 16 digits of a valid structure",
                )
            }),
        _ => Err(Refusal::new(
            ReasonCode::SearchCriteriaInvalid,
            "the idtype must be NIK or KK",
        )),
    }
}

/// Reads a household for an agency: inside its scope, active, and audited as a full read.
pub async fn read_group(
    store: &dyn Store,
    agency: &AuthenticatedAgency,
    household: Uuid,
    purpose: &str,
    origin: &Origin,
) -> Result<Option<Group>, StoreError> {
    let Some(stored) = store.registry_household(household).await? else {
        return Ok(None);
    };
    if !agency.scope().covers(&stored.household.village) {
        return Ok(None);
    }
    record(
        store,
        agency,
        AuditAction::Read,
        ObjectKind::Household,
        Some(household),
        Scope::Within(stored.household.village),
        purpose,
        origin,
    )
    .await?;
    Ok(Some(group_of(&stored)))
}

#[allow(clippy::too_many_arguments)]
async fn record(
    store: &dyn Store,
    agency: &AuthenticatedAgency,
    action: AuditAction,
    object: ObjectKind,
    object_id: Option<Uuid>,
    scope: Scope,
    purpose: &str,
    origin: &Origin,
) -> Result<(), StoreError> {
    let entry = AuditEntry {
        // The agency's id is the actor; its role column says an agency (see docs/agency-api.md).
        actor: agency.id(),
        role: Role::AgencyOfficer,
        action,
        object,
        object_id,
        region: match scope {
            Scope::All => None,
            Scope::Within(r) => Some(r),
        },
        purpose: purpose.to_owned(),
        client: origin.client.clone(),
    };
    store.audit_record(&entry).await?;
    Ok(())
}

/// The records of an answer or a notification.
pub fn registry_data(event: Option<&str>, groups: Vec<Group>) -> RegistryData {
    RegistryData {
        version: Some(tepat_dci::envelope::VERSION.into()),
        reg_type: REG_TYPE.into(),
        reg_event_type: event.map(str::to_owned),
        reg_record_type: "Group".into(),
        reg_records: groups,
    }
}

/// A household as a DCI group (`docs/agency-api.md`, "Registry records"). Members who died, moved out or
/// were removed are not listed.
pub fn group_of(stored: &StoredHousehold) -> Group {
    let h = &stored.household;
    let members: Vec<Member> = h
        .members
        .iter()
        .filter(|m| m.status.is_active())
        .map(member_of)
        .collect();
    let head = h
        .members
        .iter()
        .find(|m| m.status.is_active() && m.relationship == Relationship::KepalaKeluarga)
        .map(member_of);
    Group {
        group_identifier: vec![Identifier {
            identifier_type: "KK".into(),
            identifier_value: h.kk_number.digits().to_owned(),
        }],
        poverty_score: None,
        group_size: members.len() as u32,
        group_head_info: head,
        member_list: members,
    }
}

fn member_of(m: &RegistryMember) -> Member {
    Member {
        member_identifier: vec![Identifier {
            identifier_type: "NIK".into(),
            identifier_value: m.nik.digits().to_owned(),
        }],
        relationship_head: m.relationship.code().to_owned(),
        is_disabled: m
            .survey
            .as_ref()
            .is_some_and(|s| s.disability != tepat_domain::survey::Disability::Tidak),
        person: Person {
            name: PersonName {
                given_name: m.full_name.clone(),
                second_name: None,
                surname: None,
            },
            sex: match m.sex {
                Sex::LakiLaki => "male".into(),
                Sex::Perempuan => "female".into(),
            },
            birth_date: m.birth_date,
        },
    }
}

/// The event type subscribers see for an approved request.
pub fn event_type(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::NewHousehold => "registration",
        ChangeKind::Death => "death",
        ChangeKind::MemberMovedOut | ChangeKind::HouseholdMoved => "move",
        _ => "update",
    }
}

/// Subscribes to `event_type` inside `region` (the agency's whole scope when `None`); notifications go
/// to `sender_uri` + `/notify`. Refused when the event type is unknown, the region lies outside the
/// scope, or an identical subscription is active.
pub async fn subscribe(
    store: &dyn Store,
    grant: &AgencyGrant<'_, Subscribe>,
    event_type: &str,
    region: Option<Scope>,
    sender_uri: &str,
    now: DateTime<Utc>,
) -> Result<Subscription, AgencyError> {
    if !EVENT_TYPES.contains(&event_type) {
        return Err(Refusal::new(
            ReasonCode::NotifyTypesInvalid,
            format!("reg_event_type must be one of {}", EVENT_TYPES.join(", ")),
        )
        .into());
    }
    let region = region.unwrap_or(grant.scope());
    if !grant.scope().contains(&region) {
        return Err(Refusal::new(
            ReasonCode::SenderNotAuthorized,
            "the filter's region lies outside this agency's region scope",
        )
        .into());
    }
    let existing = store.subscriptions_of(grant.agency().id()).await?;
    if existing
        .iter()
        .any(|s| s.event_type == event_type && s.region == region && s.sender_uri == sender_uri)
    {
        return Err(Refusal::new(
            ReasonCode::EventAlreadySubscribed,
            "an identical subscription is active",
        )
        .into());
    }
    Ok(store
        .create_subscription(grant.agency().id(), event_type, &region, sender_uri, now)
        .await?)
}

/// Ends one of the agency's subscriptions.
pub async fn unsubscribe(
    store: &dyn Store,
    grant: &AgencyGrant<'_, Subscribe>,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), AgencyError> {
    if store
        .end_subscription(grant.agency().id(), code, now)
        .await?
    {
        Ok(())
    } else {
        Err(Refusal::new(
            ReasonCode::SubscriptionCodeInvalid,
            "no active subscription of this agency has this code",
        )
        .into())
    }
}

/// How long after an approval its notification is queued. The feed is read in the order of approval
/// times; an approval whose transaction commits late (after a later one was read) would otherwise be
/// skipped. Approvals are short transactions, so half a minute leaves a wide margin.
pub const FEED_SETTLE_SECONDS: i64 = 30;

/// Reads the registry's change feed (approved requests, up to [`FEED_SETTLE_SECONDS`] before `now`)
/// after its cursor and queues a notification for every active subscription that matches the event
/// type and region and existed before the change. Returns how many notifications were queued.
pub async fn queue_changes(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    const BATCH: u32 = 500;
    let settled = now - Duration::seconds(FEED_SETTLE_SECONDS);
    let mut queued = 0;
    let mut cursor = store.feed_cursor().await?;
    loop {
        let mut changes = store.registry_changes(cursor, BATCH).await?;
        let complete = changes.len() < BATCH as usize;
        changes.retain(|c| c.at <= settled);
        let Some(last) = changes.last() else {
            return Ok(queued);
        };
        let next = FeedCursor {
            at: last.at,
            request: last.request,
        };
        let subscriptions = store.active_subscriptions().await?;
        let mut items = Vec::new();
        for change in &changes {
            let event = event_type(change.kind);
            for s in &subscriptions {
                if s.event_type == event
                    && s.region.covers(&change.village)
                    && s.created_at <= change.at
                {
                    items.push(NewOutboxItem {
                        agency: s.agency,
                        subscription: s.id,
                        event_type: event.to_owned(),
                        household: change.household,
                        village: change.village,
                    });
                }
            }
        }
        // Another `tepat serve` on the same database may have queued these changes first.
        if !store
            .enqueue_notifications_from(cursor, &items, next, now)
            .await?
        {
            return Ok(queued);
        }
        queued += items.len();
        cursor = Some(next);
        if complete || changes.len() < BATCH as usize {
            return Ok(queued);
        }
    }
}

/// An agency to register (`tepat admin add-agency`).
#[derive(Debug, Clone)]
pub struct AgencySpec {
    pub sender_id: String,
    pub name: String,
    pub jwks: Jwks,
    pub scope: Scope,
    pub may_search: bool,
    pub may_subscribe: bool,
}

/// Why an agency cannot be registered or changed.
#[derive(Debug, thiserror::Error)]
pub enum AgencyAdminError {
    #[error("the sender id must be 3 to 128 characters without spaces or `|`, e.g. dukcapil.belitungkab.go.id")]
    SenderId,
    #[error("the name must not be empty")]
    Name,
    #[error("the key set is not usable: {0}")]
    Keys(#[from] tepat_dci::KeyError),
    #[error("the key set has no keys; give at least one Ed25519 key")]
    NoKeys,
    #[error("no agency with sender id {0} is registered")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check_keys(jwks: &Jwks) -> Result<String, AgencyAdminError> {
    if jwks.keys.is_empty() {
        return Err(AgencyAdminError::NoKeys);
    }
    jwks.check()?;
    Ok(serde_json::to_string(jwks).expect("a JWKS serialises"))
}

/// Registers an agency (an administrator's act).
pub async fn register(
    store: &dyn Store,
    _grant: &Grant<'_, Administer>,
    spec: AgencySpec,
    now: DateTime<Utc>,
) -> Result<Agency, AgencyAdminError> {
    let sender = spec.sender_id.trim();
    if sender.len() < 3
        || sender.len() > 128
        || sender
            .chars()
            .any(|c| c.is_whitespace() || c == '|' || c.is_control())
    {
        return Err(AgencyAdminError::SenderId);
    }
    if spec.name.trim().is_empty() {
        return Err(AgencyAdminError::Name);
    }
    let jwks = check_keys(&spec.jwks)?;
    Ok(store
        .create_agency(
            &NewAgency {
                sender_id: sender.to_owned(),
                name: spec.name.trim().to_owned(),
                jwks,
                scope: spec.scope,
                may_search: spec.may_search,
                may_subscribe: spec.may_subscribe,
            },
            now,
        )
        .await?)
}

/// Replaces an agency's keys (a key rotation on their side).
pub async fn set_keys(
    store: &dyn Store,
    _grant: &Grant<'_, Administer>,
    sender_id: &str,
    jwks: &Jwks,
    now: DateTime<Utc>,
) -> Result<(), AgencyAdminError> {
    let text = check_keys(jwks)?;
    if store.set_agency_keys(sender_id, &text, now).await? {
        Ok(())
    } else {
        Err(AgencyAdminError::NotFound(sender_id.to_owned()))
    }
}

/// Disables (or enables again) an agency: every message of a disabled agency is refused and no
/// notification is queued for it.
pub async fn set_disabled(
    store: &dyn Store,
    _grant: &Grant<'_, Administer>,
    sender_id: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), AgencyAdminError> {
    if store.set_agency_disabled(sender_id, disabled, now).await? {
        Ok(())
    } else {
        Err(AgencyAdminError::NotFound(sender_id.to_owned()))
    }
}

/// Grants (or withdraws) the [`ReportPopulation`] permission: the agency (the population office) may
/// then send deaths and moves as DCI `notify` messages.
pub async fn set_population(
    store: &dyn Store,
    _grant: &Grant<'_, Administer>,
    sender_id: &str,
    granted: bool,
    now: DateTime<Utc>,
) -> Result<(), AgencyAdminError> {
    if store
        .set_agency_permission(sender_id, POPULATION, granted, now)
        .await?
    {
        Ok(())
    } else {
        Err(AgencyAdminError::NotFound(sender_id.to_owned()))
    }
}

/// How one reported event went: its status, the reason when refused, and how many tasks are new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationAnswer {
    pub reference_id: String,
    pub status: Status,
    pub refusal: Option<Refusal>,
    pub tasks_created: u64,
}

/// One event of a population office's `notify`: `reg_event_type` `death` or `move`, the persons as
/// the members (with `NIK` identifiers) of its records. Each person found in an active household
/// inside the grant's scope gets a task (`death` or `moved`) for the village's officers, exactly as
/// the population-extract sync makes them; nothing in the registry changes until an officer acts.
/// A person found only outside the scope is refused with `rjct.sender_id.not_authorized`; a person
/// not in the registry is `succ` with nothing to do. Idempotent: a task that is still open is not
/// made twice, and the message id itself is accepted once ([`authenticate`]).
pub async fn report_population(
    store: &dyn Store,
    grant: &AgencyGrant<'_, ReportPopulation>,
    event: &tepat_dci::registry::NotifyEvent,
    origin: &Origin,
) -> Result<PopulationAnswer, StoreError> {
    let answer = |status, refusal: Option<Refusal>, tasks_created| PopulationAnswer {
        reference_id: event.reference_id.clone(),
        status,
        refusal,
        tasks_created,
    };
    let (kind, niks) = match population_event(event) {
        Ok(found) => found,
        Err(refusal) => return Ok(answer(Status::Rjct, Some(refusal), 0)),
    };
    let scope = grant.scope();
    let mut tasks = Vec::new();
    let mut outside = false;
    for nik in &niks {
        for hit in store.registry_search_nik(nik, &Scope::All).await? {
            if hit.household_state != HouseholdState::Active || hit.member_status != "active" {
                continue;
            }
            if !scope.covers(&hit.village) {
                outside = true;
                continue;
            }
            tasks.push(tepat_store::NewTask {
                village: hit.village,
                household: hit.household,
                member: Some(hit.member),
                kind,
                source: format!("dci:{}", grant.agency().sender_id()),
            });
        }
    }
    if tasks.is_empty() && outside {
        let refusal = Refusal::new(
            ReasonCode::SenderNotAuthorized,
            "the person is registered outside this agency's scope",
        );
        return Ok(answer(Status::Rjct, Some(refusal), 0));
    }
    if tasks.is_empty() {
        return Ok(answer(Status::Succ, None, 0));
    }
    let entry = AuditEntry {
        actor: grant.agency().id(),
        role: Role::AgencyOfficer,
        action: AuditAction::PopulationSync,
        object: ObjectKind::Registry,
        object_id: None,
        region: match scope {
            Scope::All => None,
            Scope::Within(r) => Some(r),
        },
        purpose: "dci.notify.population".into(),
        client: origin.client.clone(),
    };
    let created = store.registry_add_tasks(&tasks, &entry).await?;
    Ok(answer(Status::Succ, None, created))
}

/// The task kind and the NIKs of an event, or why it cannot be used.
fn population_event(
    event: &tepat_dci::registry::NotifyEvent,
) -> Result<(tepat_store::TaskKind, Vec<Nik>), Refusal> {
    let kind = match event.data.reg_event_type.as_deref() {
        Some("death") => tepat_store::TaskKind::Death,
        Some("move") => tepat_store::TaskKind::Moved,
        _ => {
            return Err(Refusal::new(
                ReasonCode::NotifyTypesInvalid,
                "reg_event_type must be `death` or `move`",
            ))
        }
    };
    let details = |m: &str| Refusal::new(ReasonCode::NotifyDetailsInvalid, m);
    let mut niks = Vec::new();
    for group in &event.data.reg_records {
        for member in group.member_list.iter().chain(&group.group_head_info) {
            for id in &member.member_identifier {
                if id.identifier_type != "NIK" {
                    continue;
                }
                let nik = Nik::parse_structure(&id.identifier_value)
                    .map_err(|_| details("a NIK must be 16 digits with a valid region and date"))?;
                if !niks.contains(&nik) {
                    niks.push(nik);
                }
            }
        }
    }
    if niks.is_empty() {
        return Err(details(
            "name each person as a member with a NIK identifier",
        ));
    }
    if niks.len() > MAX_RECORDS {
        return Err(details("at most 20 persons per event"));
    }
    Ok((kind, niks))
}
