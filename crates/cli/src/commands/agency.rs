//! `tepat admin add-agency`, `list-agencies`, `set-agency-keys`, `disable-agency`: the partner agencies
//! of the DCI Social Registry API (`docs/agency-api.md`), registered by an administrator with their
//! public keys, region scope and permissions.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{anyhow, Context as _};
use clap::Args;
use tepat_core::access::{Administer, Grant};
use tepat_core::agency::{self, AgencySpec};
use tepat_dci::Jwks;
use tepat_domain::Scope;
use tepat_store::Store;

#[derive(Debug, Args)]
pub struct AddAgencyArgs {
    /// The agency's DCI sender id, as in its messages' header.sender_id, e.g. dukcapil.belitungkab.go.id
    pub sender_id: String,
    /// The agency's name, e.g. "Dinas Dukcapil Kabupaten Belitung"
    #[arg(long)]
    pub name: String,
    /// The regions whose records it may read: a region code (e.g. 19.02 for a regency) or `all`
    #[arg(long)]
    pub scope: String,
    /// A file with the agency's public keys as a JWKS of Ed25519 keys (`-`: standard input)
    #[arg(long)]
    pub keys: PathBuf,
    /// It may search the registry (sync/search, search)
    #[arg(long)]
    pub search: bool,
    /// It may subscribe to registry changes (subscribe, unsubscribe, notify)
    #[arg(long)]
    pub subscribe: bool,
    /// It may report deaths and moves to tepat (registry/notify; the population office, Dukcapil)
    #[arg(long)]
    pub population: bool,
}

#[derive(Debug, Args)]
pub struct SetAgencyKeysArgs {
    pub sender_id: String,
    /// A file with the agency's new JWKS (`-`: standard input); replaces the old keys
    #[arg(long)]
    pub keys: PathBuf,
}

#[derive(Debug, Args)]
pub struct DisableAgencyArgs {
    pub sender_id: String,
    /// Enable a disabled agency again instead
    #[arg(long)]
    pub enable: bool,
}

fn read_keys(path: &PathBuf) -> anyhow::Result<Jwks> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("keys: cannot read standard input")?;
        text
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("keys: cannot read {}", path.display()))?
    };
    serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "keys: {} is not a JWKS ({{\"keys\": [{{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": …, \"kid\": …}}]}}): {e}",
            path.display()
        )
    })
}

fn parse_scope(s: &str) -> anyhow::Result<Scope> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok(Scope::All);
    }
    Scope::parse(s).ok_or_else(|| {
        anyhow!("scope: `{s}` is not a region code; write it like 19.02 (dotted), or `all`")
    })
}

pub async fn add(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    args: AddAgencyArgs,
) -> anyhow::Result<()> {
    if !args.search && !args.subscribe && !args.population {
        anyhow::bail!("permissions: give --search, --subscribe, --population or several; an agency that may do nothing is of no use");
    }
    let population = args.population;
    let spec = AgencySpec {
        sender_id: args.sender_id,
        name: args.name,
        jwks: read_keys(&args.keys)?,
        scope: parse_scope(&args.scope)?,
        may_search: args.search,
        may_subscribe: args.subscribe,
    };
    let now = chrono::Utc::now();
    let a = agency::register(store, grant, spec, now).await?;
    if population {
        agency::set_population(store, grant, &a.sender_id, true, now).await?;
    }
    println!(
        "registered {} ({}, scope {}, {}{})",
        a.sender_id,
        a.name,
        scope_text(&a.scope),
        permissions(a.may_search, a.may_subscribe),
        if population { ", population" } else { "" }
    );
    Ok(())
}

pub async fn list(store: &dyn Store, _grant: &Grant<'_, Administer>) -> anyhow::Result<()> {
    let all = store.agencies().await?;
    if all.is_empty() {
        println!("no agencies yet; register one with `tepat admin add-agency`");
    }
    for a in all {
        let keys: Jwks = serde_json::from_str(&a.jwks).unwrap_or_default();
        let kids: Vec<&str> = keys.keys.iter().map(|k| k.kid.as_str()).collect();
        let mut granted: Vec<String> = [(a.may_search, "search"), (a.may_subscribe, "subscribe")]
            .into_iter()
            .filter(|(has, _)| *has)
            .map(|(_, name)| name.to_owned())
            .collect();
        granted.extend(store.agency_permissions(a.id).await?);
        let granted = if granted.is_empty() {
            "none".to_owned()
        } else {
            granted.join(",")
        };
        println!(
            "{:<32} {:<9} scope {:<10} {:<17} keys {}  id {}  ({})",
            a.sender_id,
            if a.disabled { "disabled" } else { "active" },
            scope_text(&a.scope),
            granted,
            kids.join(","),
            a.id,
            a.name
        );
    }
    Ok(())
}

pub async fn set_keys(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    args: SetAgencyKeysArgs,
) -> anyhow::Result<()> {
    let keys = read_keys(&args.keys)?;
    agency::set_keys(
        store,
        grant,
        args.sender_id.trim(),
        &keys,
        chrono::Utc::now(),
    )
    .await?;
    println!(
        "keys of {} replaced ({} key(s))",
        args.sender_id.trim(),
        keys.keys.len()
    );
    Ok(())
}

pub async fn disable(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    args: DisableAgencyArgs,
) -> anyhow::Result<()> {
    let sender = args.sender_id.trim();
    agency::set_disabled(store, grant, sender, !args.enable, chrono::Utc::now()).await?;
    if args.enable {
        println!("{sender} is enabled again");
    } else {
        println!("{sender} is disabled: its messages are refused and it gets no notifications");
    }
    Ok(())
}

fn permissions(search: bool, subscribe: bool) -> &'static str {
    match (search, subscribe) {
        (true, true) => "search,subscribe",
        (true, false) => "search",
        (false, true) => "subscribe",
        (false, false) => "none",
    }
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::All => "all".into(),
        Scope::Within(r) => r.dotted(),
    }
}
