//! Authorisation as types: data access takes a [`Grant`], and the only way to get one is
//! [`Actor::may`] (or [`Actor::may_anywhere`]), which checks the actor's role and region scope.
//!
//! A function that writes village data therefore cannot be called without the check having passed: a
//! forgotten check does not compile. The rules (which role may do which [`Action`]) are the table in
//! [`actions!`] below, in one place.
//!
//! An [`Actor`] is made by signing in (the session code in this crate), for commands run by whoever
//! holds the server's shell and key file by [`Actor::local_admin`], and for the server's scheduled jobs
//! by [`Actor::system`] (role `system`, which no account can have).

use std::fmt;
use std::marker::PhantomData;

use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use uuid::Uuid;

/// Someone signed in: a user account with its role and scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    user: Uuid,
    username: String,
    role: Role,
    scope: Scope,
}

impl Actor {
    /// Only sign-in (and tests) create actors; see the module documentation.
    pub(crate) fn new(user: Uuid, username: String, role: Role, scope: Scope) -> Actor {
        Actor {
            user,
            username,
            role,
            scope,
        }
    }

    /// The operator at the server's command line: an administrator of everything. Whoever runs `tepat`
    /// with the key file can read the database anyway; this names them in the audit log.
    pub fn local_admin() -> Actor {
        Actor::new(Uuid::nil(), "cli".into(), Role::Admin, Scope::All)
    }

    /// A scheduled job of the server. Its audit entries name the job ([`Job::id`], role `system`), not
    /// an administrator, and the permission table gives it only the actions the job needs.
    pub fn system(job: Job) -> Actor {
        Actor::new(
            job.id(),
            format!("system:{}", job.code()),
            Role::System,
            Scope::All,
        )
    }

    /// The operator at the server's command line acting in an office role everywhere (`tepat targeting`
    /// runs as a verifier and approves as an approver): whoever holds the key file can do this anyway;
    /// named `cli` in the records, like [`Actor::local_admin`].
    pub fn local_officer(role: Role) -> Actor {
        Actor::new(Uuid::nil(), "cli".into(), role, Scope::All)
    }

    /// The operator at the server's command line acting as one named account, e.g. the second person of
    /// a maker-checker step (`tepat distribution approve --as USERNAME`): the records name that account,
    /// so the rule "the preparer never approves" holds between `cli` and it. Whoever holds the key file
    /// could do this anyway; the caller checks that the account is unlocked and has the role.
    pub fn local_as(account: &tepat_store::Account) -> Actor {
        Actor::new(
            account.id,
            account.username.clone(),
            account.role,
            account.scope,
        )
    }

    /// An actor for tests of code outside this crate (feature `testing`).
    #[cfg(any(test, feature = "testing"))]
    pub fn for_tests(role: Role, scope: Scope) -> Actor {
        Actor::new(Uuid::now_v7(), format!("test-{}", role.code()), role, scope)
    }

    pub fn user(&self) -> Uuid {
        self.user
    }

    /// The account name, for the audit log and the page header (not personal data of a beneficiary).
    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Permission to do `A` in `region` (and everything inside it).
    pub fn may<A: Action>(&self, region: &RegionCode) -> Result<Grant<'_, A>, Denied> {
        self.check_role::<A>()?;
        if !self.scope.covers(region) {
            return Err(Denied::Region { action: A::WHAT });
        }
        Ok(Grant::new(self, Scope::Within(*region)))
    }

    /// Permission to do `A` wherever this actor's scope reaches: for searches and lists, which must then
    /// filter by [`Grant::scope`].
    pub fn may_anywhere<A: Action>(&self) -> Result<Grant<'_, A>, Denied> {
        self.check_role::<A>()?;
        Ok(Grant::new(self, self.scope))
    }

    /// Whether the role allows `A` at all (for showing or hiding a menu entry; never as the check itself).
    pub fn can<A: Action>(&self) -> bool {
        A::permitted(self.role)
    }

    fn check_role<A: Action>(&self) -> Result<(), Denied> {
        if A::permitted(self.role) {
            Ok(())
        } else {
            Err(Denied::Role {
                action: A::WHAT,
                role: self.role,
            })
        }
    }
}

/// The server's scheduled jobs, each acting as [`Actor::system`]. The ids are fixed so that the audit
/// log names the same job across restarts and installations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// Flags households whose verification is too old (`tepat registry flag-stale`, daily in `serve`).
    Reverification,
    /// Removes household photos past their retention.
    PhotoPurge,
    /// Moves complaints past their answer deadline one level up (`portal::complaints`).
    ComplaintEscalation,
}

impl Job {
    pub const ALL: &'static [Job] = &[
        Job::Reverification,
        Job::PhotoPurge,
        Job::ComplaintEscalation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Job::Reverification => "reverification",
            Job::PhotoPurge => "photo_purge",
            Job::ComplaintEscalation => "complaint_escalation",
        }
    }

    /// The actor id in the audit log: `00000000-0000-0000-0000-0000000001nn`, beside the nil id of the
    /// command line and [`tepat_store::PUBLIC_ACTOR`].
    pub fn id(self) -> Uuid {
        let n = match self {
            Job::Reverification => 1,
            Job::PhotoPurge => 2,
            Job::ComplaintEscalation => 3,
        };
        Uuid::from_u128(0x100 + n)
    }

    /// The job whose id this is.
    pub fn of_id(id: Uuid) -> Option<Job> {
        Job::ALL.iter().copied().find(|j| j.id() == id)
    }
}

/// Proof that an [`Actor`] may do `A` within [`Grant::scope`]. Not `Clone`-able into another action, not
/// constructible outside this module.
pub struct Grant<'a, A> {
    actor: &'a Actor,
    scope: Scope,
    action: PhantomData<fn() -> A>,
}

impl<'a, A: Action> Grant<'a, A> {
    fn new(actor: &'a Actor, scope: Scope) -> Grant<'a, A> {
        Grant {
            actor,
            scope,
            action: PhantomData,
        }
    }

    /// Who acts (for the audit log and the workflow history).
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// Where the grant holds; reads and writes must stay inside it.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Checks that `region` (of a record fetched by id) lies inside the grant.
    pub fn covers(&self, region: &RegionCode) -> Result<(), Denied> {
        if self.scope.covers(region) {
            Ok(())
        } else {
            Err(Denied::Region { action: A::WHAT })
        }
    }
}

impl<A> fmt::Debug for Grant<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("user", &self.actor.user)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Something a user may or may not do. Implemented only by the marker types below.
pub trait Action: sealed::Sealed {
    /// What the action is, in English, for error messages and the audit log.
    const WHAT: &'static str;
    /// What the action is, in Bahasa Indonesia.
    const WHAT_ID: &'static str;
    /// Whether a user of `role` may do this at all (the region is checked separately).
    fn permitted(role: Role) -> bool;
}

mod sealed {
    pub trait Sealed {}
}

/// Declares the actions and, for each, the roles allowed to do it: the whole permission table.
macro_rules! actions {
    ($($(#[$doc:meta])* $name:ident: $en:literal, $id:literal => [$($role:ident),* $(,)?];)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub enum $name {}
            impl sealed::Sealed for $name {}
            impl Action for $name {
                const WHAT: &'static str = $en;
                const WHAT_ID: &'static str = $id;
                fn permitted(role: Role) -> bool {
                    matches!(role, $(Role::$role)|*)
                }
            }
        )+
    };
}

actions! {
    /// Search the registry (by NIK, KK number or name) and see the masked result list.
    SearchRegistry: "search the registry", "mencari di registri"
        => [VillageOperator, DistrictOperator, AgencyOfficer, Verifier, Approver, Auditor];
    /// Open a household's full record (audited).
    ReadHousehold: "read a household's record", "membuka data keluarga"
        => [VillageOperator, DistrictOperator, AgencyOfficer, Verifier, Approver, Auditor];
    /// Enter a proposal (*usulan*) or a change request, one by one or from a CSV file.
    Propose: "enter a proposal", "memasukkan usulan"
        => [VillageOperator, DistrictOperator, AgencyOfficer, Verifier];
    /// Import a sector agency's list as proposals.
    ImportAgencyList: "import an agency list", "mengimpor daftar OPD"
        => [AgencyOfficer, Verifier];
    /// Record the village's field verification and needs survey (*verifikasi lapangan*).
    VerifyInVillage: "verify in the field", "memverifikasi di lapangan"
        => [VillageOperator];
    /// Review a village's submission at the kecamatan.
    ReviewInDistrict: "review for the district", "memeriksa di kecamatan"
        => [DistrictOperator];
    /// Check a reviewed record at Dinas Sosial and resolve possible duplicates (merge or mark distinct).
    VerifyAtDinas: "verify at Dinas Sosial", "memverifikasi di Dinas Sosial"
        => [Verifier];
    /// Approve or reject a record or a change, with a reason.
    Decide: "approve or reject", "menyetujui atau menolak"
        => [Approver];
    /// Read the audit log.
    ReadAudit: "read the audit log", "membaca log audit"
        => [Auditor];
    /// Edit programs (*program bansos*): rules, benefits, quotas, budgets; every saved edit is a new version.
    ManagePrograms: "edit programs", "mengelola program"
        => [Admin];
    /// See programs, targeting runs, their lists and simulations, enrolments (masked lists; no full record).
    ReadTargeting: "see targeting results", "melihat hasil penargetan"
        => [VillageOperator, DistrictOperator, AgencyOfficer, Verifier, Approver, Auditor];
    /// Rank households (PMT and desil) and compute targeting runs and their simulations (drafts).
    RunTargeting: "run targeting", "menjalankan penargetan"
        => [Verifier];
    /// Approve a targeting run with a decree number, turning its candidates into enrolments.
    ApproveTargeting: "approve a beneficiary list", "menetapkan daftar penerima"
        => [Approver];
    /// File an appeal against an automated targeting decision on a household's behalf.
    FileAppeal: "file an appeal", "mengajukan sanggahan"
        => [VillageOperator, DistrictOperator, Verifier];
    /// Review appeals against automated decisions (the human review the PDP law requires).
    ReviewAppeal: "review appeals", "meninjau sanggahan"
        => [Verifier, Approver];
    /// Create, change and lock user accounts; rotate keys.
    Administer: "administer users and keys", "mengelola pengguna dan kunci"
        => [Admin];
    /// Flag every household whose verification is too old for re-verification (a task per household,
    /// no personal data read): the scheduled job only; a Dinas verifier does it through `VerifyAtDinas`.
    FlagStale: "flag households for re-verification", "menandai keluarga untuk verifikasi ulang"
        => [System];
    /// Remove household photos past their retention: the scheduled job only.
    PurgePhotos: "remove photos past their retention", "menghapus foto yang melewati masa simpan"
        => [System];
    /// Prepare a program-cycle's envelope (*amplop*): compute every enrolled household's entitlement.
    PrepareEnvelope: "prepare an envelope", "menyiapkan amplop penyaluran"
        => [Verifier];
    /// Approve an envelope someone else prepared (maker-checker, checked in core and store).
    ApproveEnvelope: "approve an envelope", "menyetujui amplop penyaluran"
        => [Approver];
    /// Release an approved envelope for payment (instructions, vouchers), once.
    ReleaseEnvelope: "release an envelope for payment", "menyalurkan amplop"
        => [Verifier, Approver];
    /// Export and import bank files, retry or reroute failed payments, send e-wallet disbursements.
    ManagePayments: "manage payments", "mengelola pembayaran"
        => [Verifier];
    /// See envelopes, entitlements, payments and their control totals.
    ReadDistribution: "see distribution", "melihat penyaluran"
        => [VillageOperator, DistrictOperator, Verifier, Approver, Auditor, DistributionOfficer];
    /// Manage distribution points (post offices, village halls, e-Warung) and their capacity.
    ManagePoints: "manage distribution points", "mengelola titik salur"
        => [Verifier, Admin];
    /// Record a hand-over against a voucher.
    HandOver: "hand over aid", "menyerahkan bantuan"
        => [DistributionOfficer, Merchant];
    /// Verify a household's bank account or e-wallet in the ID-to-account mapper.
    VerifyAccount: "verify an account", "memverifikasi rekening"
        => [VillageOperator, Verifier];
    /// See citizens' complaints (*pengaduan*) routed to one's level inside one's scope; abuse reports
    /// only at Dinas Sosial and for auditors (`tepat_core::portal::complaints`, docs/complaints.md).
    ReadComplaints: "see complaints", "melihat pengaduan"
        => [VillageOperator, DistrictOperator, Verifier, Approver, DistributionOfficer, Auditor];
    /// Acknowledge, answer, forward, resolve or reject a complaint one may see; read its contact.
    HandleComplaints: "handle complaints", "menangani pengaduan"
        => [VillageOperator, DistrictOperator, Verifier, Approver, DistributionOfficer];
    /// Publish an announcement (*pengumuman*) for the public, inside one's region (issue 8).
    Announce: "publish an announcement", "menerbitkan pengumuman"
        => [VillageOperator, DistrictOperator, Verifier, Approver, Admin];
    /// See the monitoring dashboard of one's region: counts, deadlines, ratings, backlog, flag counts
    /// (issue 9).
    Monitor: "see the monitoring dashboard", "melihat dasbor pemantauan"
        => [VillageOperator, DistrictOperator, Verifier, Approver, Auditor];
    /// Open the list behind an anomaly flag (household and officer ids; full records only through the
    /// registry's audited pages).
    InspectAnomalies: "inspect anomaly flags", "memeriksa tanda kejanggalan"
        => [Verifier, Approver, Auditor];
}

/// Why an actor may not do something. Says what and why, never which record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("a {} may not {action}", role.label(Lang::En))]
    Role { action: &'static str, role: Role },
    #[error("you may not {action} outside your region")]
    Region { action: &'static str },
}

impl Localized for Denied {
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Id => match self {
                Denied::Role { action, role } => {
                    format!(
                        "peran {} tidak berhak {}",
                        role.label(Lang::Id),
                        id_of(action)
                    )
                }
                Denied::Region { action } => {
                    format!(
                        "Anda tidak berhak {} di luar wilayah kerja Anda",
                        id_of(action)
                    )
                }
            },
        }
    }
}

/// The Indonesian phrase of an action, from its English one.
fn id_of(action: &str) -> &'static str {
    macro_rules! lookup {
        ($($name:ident),+) => {
            $(if action == $name::WHAT { return $name::WHAT_ID; })+
        };
    }
    lookup!(
        SearchRegistry,
        ReadHousehold,
        Propose,
        ImportAgencyList,
        VerifyInVillage,
        ReviewInDistrict,
        VerifyAtDinas,
        Decide,
        ReadAudit,
        ManagePrograms,
        ReadTargeting,
        RunTargeting,
        ApproveTargeting,
        FileAppeal,
        ReviewAppeal,
        Administer,
        FlagStale,
        PurgePhotos,
        PrepareEnvelope,
        ApproveEnvelope,
        ReleaseEnvelope,
        ManagePayments,
        ReadDistribution,
        ManagePoints,
        HandOver,
        ReadComplaints,
        HandleComplaints,
        VerifyAccount,
        Announce,
        Monitor,
        InspectAnomalies
    );
    "melakukan ini"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn a_village_operator_may_propose_in_their_village_only() {
        let op = Actor::for_tests(Role::VillageOperator, Scope::Within(code("19.02.01.2001")));
        let grant = op.may::<Propose>(&code("19.02.01.2001")).unwrap();
        assert_eq!(grant.scope(), Scope::Within(code("19.02.01.2001")));
        assert_eq!(
            op.may::<Propose>(&code("19.02.01.2002")).unwrap_err(),
            Denied::Region {
                action: Propose::WHAT
            }
        );
        // Their scope does not reach up to the kecamatan either.
        assert!(op.may::<Propose>(&code("19.02.01")).is_err());
    }

    #[test]
    fn roles_without_the_permission_are_refused_everywhere() {
        let auditor = Actor::for_tests(Role::Auditor, Scope::All);
        assert!(auditor.may_anywhere::<ReadAudit>().is_ok());
        let err = auditor.may::<Decide>(&code("19.02")).unwrap_err();
        assert!(matches!(
            err,
            Denied::Role {
                role: Role::Auditor,
                ..
            }
        ));
        assert!(err.message(Lang::Id).contains("menyetujui"));
        let admin = Actor::local_admin();
        assert!(
            admin.may_anywhere::<ReadHousehold>().is_err(),
            "admins do not read personal data"
        );
        assert!(admin.may_anywhere::<Administer>().is_ok());
    }

    #[test]
    fn a_search_grant_carries_the_actors_own_scope() {
        let op = Actor::for_tests(Role::DistrictOperator, Scope::Within(code("19.02.01")));
        let grant = op.may_anywhere::<SearchRegistry>().unwrap();
        assert_eq!(grant.scope(), Scope::Within(code("19.02.01")));
        assert!(grant.covers(&code("19.02.01.2003")).is_ok());
        assert!(grant.covers(&code("19.02.02.2003")).is_err());
    }

    #[test]
    fn a_system_job_may_do_its_job_and_nothing_else() {
        let job = Actor::system(Job::Reverification);
        assert_eq!(job.role(), Role::System);
        assert_eq!(Job::of_id(job.user()), Some(Job::Reverification));
        assert_ne!(job.user(), Actor::local_admin().user());
        assert!(job.may_anywhere::<FlagStale>().is_ok());
        assert!(job.may_anywhere::<PurgePhotos>().is_ok());
        assert!(job.may_anywhere::<ReadHousehold>().is_err());
        assert!(job.may_anywhere::<Administer>().is_err());
        assert!(job.may_anywhere::<VerifyAtDinas>().is_err());
        for role in Role::ALL.iter().filter(|r| **r != Role::System) {
            let someone = Actor::for_tests(*role, Scope::All);
            assert!(someone.may_anywhere::<FlagStale>().is_err(), "{role:?}");
            assert!(someone.may_anywhere::<PurgePhotos>().is_err(), "{role:?}");
        }
        let ids: std::collections::HashSet<Uuid> = Job::ALL.iter().map(|j| j.id()).collect();
        assert_eq!(ids.len(), Job::ALL.len());
        assert!(!ids.contains(&tepat_store::PUBLIC_ACTOR));
    }

    #[test]
    fn every_role_can_be_told_why_in_both_languages() {
        for role in Role::ALL {
            let actor = Actor::for_tests(*role, Scope::Within(code("19.02.01.2001")));
            if let Err(e) = actor.may::<Administer>(&code("19.02.01.2001")) {
                assert!(e.message(Lang::Id).contains("mengelola pengguna"));
                assert!(e.message(Lang::En).contains("administer users"));
            } else {
                assert_eq!(*role, Role::Admin);
            }
        }
    }
}
