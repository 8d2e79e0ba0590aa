//! `tepat admin`: user accounts from the server's command line. Whoever runs it holds the database and the
//! key file, so it acts as [`Actor::local_admin`] (named `cli` in the logs).
//!
//! Passwords are read from the terminal without echo, or from standard input with `--password-stdin`;
//! never from the command line, where other users of the machine could see them (`ps`) and the shell
//! history would keep them.

use std::io::{BufRead, IsTerminal};

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Subcommand};
use rand::Rng;
use tepat_core::access::{Actor, Administer};
use tepat_core::auth::accounts::{self, NewUser, WhichPasskeys};
use tepat_core::auth::Password;
use tepat_domain::{Lang, Role, Scope};
use tepat_store::Store;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an officer's account; the password is asked for twice (or read from standard input)
    CreateUser(CreateUserArgs),
    /// List the accounts: username, role, scope, whether locked, last sign-in
    ListUsers,
    /// Set a new password (a forgotten one); clears a lockout and signs the account out everywhere
    SetPassword(PasswordArgs),
    /// Lock an account: no sign-in, and its sessions end at once
    Lock(UsernameArg),
    /// Unlock an account locked by `tepat admin lock` or after too many failed sign-ins
    Unlock(UsernameArg),
    /// List an account's passkeys: id, name, when added, when last used
    ListPasskeys(UsernameArg),
    /// Remove an account's passkey (a lost or stolen device): `--id` (from list-passkeys) or `--all`;
    /// written to the audit log
    RemovePasskey(RemovePasskeyArgs),
    /// Make a new encryption key active and re-seal every encrypted value (NIK, KK number, phone,
    /// account) under it; `--retire` then removes the old keys (see docs/threat-model.md)
    RotateKeys(crate::commands::keys::RotateKeysArgs),
    /// Register a partner agency of the DCI Social Registry API: its sender id, public keys (JWKS),
    /// region scope and permissions (see docs/agency-api.md)
    AddAgency(crate::commands::agency::AddAgencyArgs),
    /// List the registered agencies: sender id, status, scope, permissions, key ids
    ListAgencies,
    /// Replace an agency's public keys (after it rotated its signing key)
    SetAgencyKeys(crate::commands::agency::SetAgencyKeysArgs),
    /// Disable an agency (every message refused, no notifications); `--enable` enables it again
    DisableAgency(crate::commands::agency::DisableAgencyArgs),
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// The sign-in name: 3 to 32 lower-case letters, digits, `.`, `_` or `-`, e.g. op.tanjungpandan
    pub username: String,
    /// The person's name as shown in the page header, e.g. "Siti Rahmawati"
    #[arg(long)]
    pub name: String,
    /// village_operator, district_operator, agency_officer, verifier, approver, distribution_officer,
    /// merchant, auditor or admin
    #[arg(long)]
    pub role: String,
    /// Where the account works: a region code (a village operator's desa/kelurahan, e.g. 19.02.01.1001;
    /// a district operator's kecamatan, e.g. 19.02.01; Dinas Sosial staff their regency, e.g. 19.02), or
    /// `all`
    #[arg(long)]
    pub scope: String,
    /// Read the password from standard input (one line) instead of asking on the terminal
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    pub username: String,
    /// Read the password from standard input (one line) instead of asking on the terminal
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct UsernameArg {
    pub username: String,
}

#[derive(Debug, Args)]
pub struct RemovePasskeyArgs {
    pub username: String,
    /// The passkey's id as `tepat admin list-passkeys` prints it (at least its first 8 characters)
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub id: Option<String>,
    /// Every passkey of the account
    #[arg(long)]
    pub all: bool,
}

pub async fn run(ctx: &Context, command: AdminCommand) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>()?;
    match command {
        AdminCommand::CreateUser(args) => {
            let role = parse_role(&args.role)?;
            let scope = parse_scope(&args.scope)?;
            let password = read_password(args.password_stdin, &args.username)?;
            let account = accounts::create_user(
                store.as_ref(),
                &grant,
                NewUser {
                    username: args.username,
                    display_name: args.name,
                    role,
                    scope,
                    password,
                },
            )
            .await?;
            println!(
                "created {} ({}, {})",
                account.username,
                account.role.code(),
                scope_text(&account.scope)
            );
        }
        AdminCommand::ListUsers => {
            let all = accounts::list_users(store.as_ref(), &grant).await?;
            if all.is_empty() {
                println!("no accounts yet; create one with `tepat admin create-user`");
            }
            let now = chrono::Utc::now();
            for a in all {
                let status = if a.disabled {
                    "locked".to_owned()
                } else if let Some(until) = a.locked_until.filter(|t| *t > now) {
                    format!(
                        "locked until {} UTC (failed sign-ins)",
                        until.format("%Y-%m-%d %H:%M")
                    )
                } else {
                    "active".to_owned()
                };
                let last = a.last_sign_in_at.map_or("never".to_owned(), |t| {
                    t.format("%Y-%m-%d %H:%M UTC").to_string()
                });
                println!(
                    "{:<24} {:<21} {:<14} {:<10} last sign-in {last}  ({})",
                    a.username,
                    a.role.code(),
                    scope_text(&a.scope),
                    status,
                    a.display_name
                );
            }
        }
        AdminCommand::SetPassword(args) => {
            let password = read_password(args.password_stdin, &args.username)?;
            accounts::set_password(store.as_ref(), &grant, &args.username, password).await?;
            println!(
                "password of {} set; its sessions have ended",
                args.username.trim()
            );
        }
        AdminCommand::Lock(args) => {
            let a = accounts::set_locked(store.as_ref(), &grant, &args.username, true).await?;
            println!("{} is locked; its sessions have ended", a.username);
        }
        AdminCommand::Unlock(args) => {
            let a = accounts::set_locked(store.as_ref(), &grant, &args.username, false).await?;
            println!("{} is unlocked", a.username);
        }
        AdminCommand::ListPasskeys(args) => {
            let (account, keys) =
                accounts::list_passkeys(store.as_ref(), &grant, &args.username).await?;
            if keys.is_empty() {
                println!("{} has no passkeys", account.username);
            }
            for p in keys {
                let used = p.last_used_at.map_or("never".to_owned(), |t| {
                    t.format("%Y-%m-%d %H:%M UTC").to_string()
                });
                println!(
                    "{}  added {}  last used {used}  \"{}\"",
                    accounts::passkey_id(&p),
                    p.created_at.format("%Y-%m-%d %H:%M UTC"),
                    p.name
                );
            }
        }
        AdminCommand::RemovePasskey(args) => {
            let which = match args.id {
                Some(id) if !args.all => WhichPasskeys::Id(id),
                _ => WhichPasskeys::All,
            };
            let removed =
                accounts::remove_passkeys(store.as_ref(), &grant, &args.username, &which).await?;
            println!(
                "removed {} passkey(s) of {}; its password still works",
                removed.len(),
                accounts::normalise_username(&args.username)
            );
        }
        // Opens the store again itself, with the rotated keyring.
        AdminCommand::RotateKeys(args) => crate::commands::keys::rotate(ctx, &args).await?,
        AdminCommand::AddAgency(args) => {
            crate::commands::agency::add(store.as_ref(), &grant, args).await?
        }
        AdminCommand::ListAgencies => crate::commands::agency::list(store.as_ref(), &grant).await?,
        AdminCommand::SetAgencyKeys(args) => {
            crate::commands::agency::set_keys(store.as_ref(), &grant, args).await?
        }
        AdminCommand::DisableAgency(args) => {
            crate::commands::agency::disable(store.as_ref(), &grant, args).await?
        }
    }
    Ok(())
}

fn parse_role(s: &str) -> anyhow::Result<Role> {
    let person = |r: &Role| !matches!(r, Role::Citizen | Role::System);
    Role::parse(s).filter(person).ok_or_else(|| {
        let codes: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| person(r))
            .map(|r| r.code())
            .collect();
        anyhow!("role: `{s}` is not a role; use one of {}", codes.join(", "))
    })
}

fn parse_scope(s: &str) -> anyhow::Result<Scope> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok(Scope::All);
    }
    Scope::parse(s).ok_or_else(|| {
        anyhow!("scope: `{s}` is not a region code; write it like 19.02.01.1001 (dotted), or `all`")
    })
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::All => "all".into(),
        Scope::Within(_) => scope.describe(Lang::En),
    }
}

/// The password: one line of standard input, or typed twice on the terminal without echo.
fn read_password(from_stdin: bool, username: &str) -> anyhow::Result<Password> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("password: cannot read standard input")?;
        let line = line.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            bail!("password: standard input was empty; pipe the password in, e.g. from a password manager");
        }
        return Ok(Password::new(line));
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "password: there is no terminal to ask on; pass --password-stdin and give the password on \
             standard input"
        );
    }
    let first = rpassword::prompt_password(format!("New password for {}: ", username.trim()))
        .context("password: cannot read it from the terminal")?;
    let second = rpassword::prompt_password("Type it again: ")
        .context("password: cannot read it from the terminal")?;
    if first != second {
        bail!("password: the two entries differ; nothing was changed");
    }
    Ok(Password::new(first))
}

/// The demo's officers of Kabupaten Belitung: (username, name, role, scope).
const DEMO_OFFICERS: [(&str, &str, Role, &str); 7] = [
    ("admin", "Administrator Dinas Sosial", Role::Admin, "19.02"),
    (
        "verifikator",
        "Verifikator Dinas Sosial",
        Role::Verifier,
        "19.02",
    ),
    (
        "pengesah",
        "Kepala Bidang Linjamsos",
        Role::Approver,
        "19.02",
    ),
    ("auditor", "Auditor Inspektorat", Role::Auditor, "19.02"),
    (
        "kec.tanjungpandan",
        "Operator Kecamatan Tanjungpandan",
        Role::DistrictOperator,
        "19.02.01",
    ),
    (
        "desa.tanjungpandan",
        "Operator Kelurahan Tanjungpandan",
        Role::VillageOperator,
        "19.02.01.1001",
    ),
    // Scans vouchers at /penyaluran/pindai (the demo hands over vouchers across the regency).
    (
        "petugas.salur",
        "Petugas Penyaluran Kabupaten Belitung",
        Role::DistributionOfficer,
        "19.02",
    ),
];

/// A random password of four groups of four letters and digits (about 80 bits), easy to type.
fn demo_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    groups.join("-")
}

/// On a database without accounts, creates the demo's officers and prints their passwords (once: they
/// are stored only as hashes).
pub async fn create_demo_accounts(store: &dyn Store, url: &str) -> anyhow::Result<()> {
    if !store.accounts().await?.is_empty() {
        return Ok(());
    }
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>()?;
    let mut lines = Vec::new();
    for (username, name, role, scope) in DEMO_OFFICERS {
        let password = demo_password();
        accounts::create_user(
            store,
            &grant,
            NewUser {
                username: username.into(),
                display_name: name.into(),
                role,
                scope: Scope::parse(scope).context("a demo scope")?,
                password: Password::new(password.clone()),
            },
        )
        .await
        .with_context(|| format!("cannot create the demo account {username}"))?;
        lines.push(format!(
            "  {username:<20} {password}   {} ({scope})",
            role.label(Lang::En)
        ));
    }
    println!(
        "\nDemo officer accounts (shown only now; passwords are stored as hashes). Sign in at {url}/signin\n{}\n\
         Change one with `tepat admin set-password USERNAME`.\n",
        lines.join("\n")
    );
    Ok(())
}
