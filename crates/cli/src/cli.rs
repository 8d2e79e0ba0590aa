//! The command line: one binary, one subcommand per job.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const GLOSSARY: &str = "\
Terms (Indonesian names are kept where they are the real names of things):
  bansos          bantuan sosial, social assistance
  NIK             Nomor Induk Kependudukan, the 16-digit national identity number
  KK              Kartu Keluarga, the family card; its 16-digit number identifies a household
  kepala keluarga head of the family on the KK
  Dukcapil        the civil registry; its data is the population extract (data kependudukan)
  provinsi, kabupaten/kota, kecamatan, desa/kelurahan
                  province, regency/city, district, village/urban ward (Kemendagri region codes
                  PP.KK.CC.DDDD, e.g. 19.02.01 is Tanjungpandan in Kabupaten Belitung)
  RT / RW         rukun tetangga / rukun warga, neighbourhood units in an address
  desil           welfare decile, 1 (poorest tenth) to 10

Personal data (NIK, KK number, names) never appears in logs, errors or URLs.";

#[derive(Debug, Parser)]
#[command(
    name = "tepat",
    version,
    about = "tepat: social assistance (bansos) run end to end, checkable by everyone",
    long_about = "tepat runs a regency's social assistance end to end: a social registry checked against the \
                  population registry, duplicate detection, objective targeting, distribution, a witnessed \
                  transparency ledger, and portals for citizens and the public.",
    after_help = GLOSSARY
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: sqlite://FILE (embedded; default sqlite://tepat.db) or postgres://USER:PASSWORD@HOST/DB
    /// [env: TEPAT_DATABASE_URL]
    #[arg(long, global = true)]
    pub database: Option<String>,

    /// Key file holding the keys that encrypt NIK and KK numbers at rest (created if missing; back it up;
    /// default tepat.keys) [env: TEPAT_KEY_FILE]
    #[arg(long, global = true)]
    pub key_file: Option<PathBuf>,

    /// Configuration file (TOML); see docs/configuration.md [env: TEPAT_CONFIG]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,

    /// Log filter, e.g. info, debug, tepat=debug [env: TEPAT_LOG]
    #[arg(long, global = true)]
    pub log: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application and the API
    Serve(ServeArgs),
    /// Run the demo: create an embedded database, generate Kabupaten Belitung, import it and serve it
    Demo(DemoArgs),
    /// Create or update the database schema and load the region table (kode wilayah)
    Migrate,
    /// Generate a synthetic regency: population extract, social-registry list and needs survey as CSV
    Generate(GenerateArgs),
    /// Import data files
    #[command(subcommand)]
    Import(ImportCommand),
    /// Find duplicate persons in one persons.csv (record linkage; see docs/linkage.md)
    Dedupe(DedupeArgs),
    /// Link the records of two persons.csv files, e.g. a program list against the population extract or
    /// two programs against each other (the double-receipt screen)
    Link(LinkArgs),
    /// The transparency ledger: verify a log (served or mirrored) or a receipt; needs no database
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Run a witness for another agency's ledger (C2SP tlog-witness); `tepat witness init` creates its key
    Witness(WitnessArgs),
    /// Officers' user accounts: create-user, list-users, set-password, lock, unlock (see docs/accounts.md)
    #[command(subcommand)]
    Admin(crate::commands::admin::AdminCommand),
    /// The audit log's head in the transparency ledger: anchor it now, or verify the log against it
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The registry's upkeep: flag-stale (re-verification tasks for old verifications)
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The welfare ranking's proxy-means test: fit a model from a survey with observed consumption
    /// (see docs/pmt.md)
    #[command(subcommand)]
    Pmt(crate::commands::pmt::PmtCommand),
    /// Targeting: run a program (simulation, draft list), list runs, approve by decree (ledger), export
    /// the approved list, forecast needs (see docs/targeting.md)
    #[command(subcommand)]
    Targeting(crate::commands::targeting::TargetingCommand),
    /// Programs as data: list, show a version, load a programs file (new versions), export (see
    /// docs/programs.md)
    #[command(subcommand)]
    Programs(crate::commands::programs::ProgramsCommand),
    /// Distribution: a program cycle's envelope (prepare, approve by a second person, release), the
    /// distribution points and the assignment of cash and goods to them (see docs/distribution.md)
    #[command(subcommand)]
    Distribution(crate::commands::distribution::DistributionCommand),
    /// Open data: rewrite the public portal's aggregates now (see docs/open-data.md)
    #[command(subcommand, name = "opendata")]
    OpenData(crate::commands::opendata_bench::OpenDataCommand),
    /// Payments of released envelopes: bank files out (pain.001) and in (pain.002, camt.053/054),
    /// retries, rerouting to cash, e-wallet disbursements (see docs/distribution.md)
    #[command(subcommand)]
    Payments(crate::commands::payments::PaymentsCommand),
    /// Notifications to citizens: the outbox's counts per channel and state, one pass now, failed
    /// deliveries retried (see docs/notifications.md)
    #[command(subcommand)]
    Notify(crate::commands::notify::NotifyCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Append the audit log's head (entry count and chain hash) to the ledger now and wait until it is
    /// published (`tepat serve` does this every [audit] anchor_minutes); not while serve runs
    Anchor,
    /// Check the audit log's hash chain, and that the latest head anchored in the ledger is a prefix of
    /// it; exits non-zero when entries were altered, removed or rewritten
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Create a re-verification task for every active household not verified for [registry]
    /// reverify_after_days (`tepat serve` does this daily)
    FlagStale,
    /// Remove household photos past [registry] photo_retention_days, except those an objection holds
    /// (`tepat serve` does this daily)
    PurgePhotos,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080) [env: TEPAT_LISTEN]
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Size of the generated regency when the database is empty (default: Belitung's real size, about
    /// 190,000 persons)
    #[arg(long)]
    pub persons: Option<usize>,
    #[command(subcommand)]
    pub action: Option<DemoAction>,
}

#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// Print NIK and KK number pairs of demo households in different situations (enrolled, waitlisted,
    /// registered, proposed, not registered), one `NIK KK situation` per line
    Samples(SamplesArgs),
}

#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// Pairs to print per situation
    #[arg(long, default_value_t = 3)]
    pub per_situation: usize,
    /// The demo's generated data directory (for people outside the registry)
    #[arg(long, default_value = "tepat-demo-data")]
    pub data: String,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write the CSV files into (created if missing)
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed and options always give byte-identical files
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of persons (default: the regency's real size; about 190,000 for Belitung)
    #[arg(long)]
    pub persons: Option<usize>,
    /// Regency (kabupaten/kota) code, dotted
    #[arg(long, default_value = "19.02")]
    pub regency: String,
    /// Inject the faults real registries have and write the ground truth beside the output
    #[arg(long)]
    pub errors: bool,
    /// The date ages and recent deaths are counted from, YYYY-MM-DD (default: today). Fix it to make
    /// files reproducible across days.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import the population extract (the office's copy of Dukcapil data) from a CSV file; see
    /// docs/population-csv.md. Rejected rows are written with their line and reason to a report file.
    Population(ImportPopulationArgs),
}

#[derive(Debug, Args)]
pub struct ImportPopulationArgs {
    /// The CSV file
    pub file: PathBuf,
    /// Where to write rejected rows (default: FILE.rejected.csv beside the input)
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Verify a whole log: every tile, every root, the log signature, the witness quorum, the aid chains;
    /// prints a report with totals per program, cycle and region, and exits non-zero on any inconsistency
    Verify(LedgerVerifyArgs),
    /// Receipts (offline proofs that one entry is in the log)
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Print the office log's public key (C2SP vkey), creating the signing key on first use: what
    /// witnesses are given with `tepat witness --log-key`
    Key,
}

#[derive(Debug, Args)]
pub struct LedgerVerifyArgs {
    /// The log's address, e.g. https://bansos.example.go.id/ledger/bansos
    #[arg(long, conflicts_with = "dir", required_unless_present = "dir")]
    pub url: Option<String>,
    /// A directory holding the log (the server's, or a `wget --mirror` copy of /ledger/<log>/)
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// The keys to trust (C2SP tlog-policy text: log key, witness keys, quorum); default: the log's own
    /// `policy` file, which proves only that the log is consistent with itself
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Verify a receipt (.tlog-proof) offline against a policy
    Verify(ReceiptVerifyArgs),
}

#[derive(Debug, Args)]
pub struct ReceiptVerifyArgs {
    /// The receipt file
    pub file: std::path::PathBuf,
    /// The keys to trust (C2SP tlog-policy text)
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
    /// Take the policy from this log address instead (e.g. https://host/ledger/bansos)
    #[arg(long, conflicts_with = "policy")]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WitnessArgs {
    #[command(subcommand)]
    pub command: Option<WitnessCommand>,
    #[command(flatten)]
    pub run: WitnessRunArgs,
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create the witness's key and print its public key (give it to the log's operator)
    Init(WitnessInitArgs),
    /// Print the public key of an existing witness key file
    Key(WitnessKeyArgs),
}

#[derive(Debug, Args)]
pub struct WitnessRunArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// The witness's private key (created if missing)
    #[arg(long, default_value = "tepat-witness.key")]
    pub key_file: PathBuf,
    /// Name of a key created here (e.g. inspektorat.belitungkab.go.id/witness)
    #[arg(long, default_value = "tepat-witness")]
    pub name: String,
    /// Directory of the witness's state (the latest checkpoint it cosigned per log, and evidence)
    #[arg(long, default_value = "tepat-witness")]
    pub state_dir: PathBuf,
    /// A log to witness: its public key (C2SP vkey); repeat for several logs
    #[arg(long)]
    pub log_key: Vec<String>,
    /// A log to witness, from its policy file (`GET /ledger/<log>/policy`); repeatable
    #[arg(long)]
    pub policy: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WitnessInitArgs {
    /// Where to write the private key
    #[arg(long, default_value = "tepat-witness.key")]
    pub key_file: PathBuf,
    /// The witness's name, usually its agency's domain (e.g. inspektorat.belitungkab.go.id/witness)
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct WitnessKeyArgs {
    #[arg(long, default_value = "tepat-witness.key")]
    pub key_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct LinkageArgs {
    /// Match probability at or above which a pair is a link (default 0.9)
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Stop at the first malformed row instead of reporting it and going on
    #[arg(long)]
    pub reject_bad_rows: bool,
    /// Remembered review decisions (review.csv with a verdict column) to respect
    #[arg(long)]
    pub decisions: Option<PathBuf>,
    /// Write the clerical review queue (uncertain pairs with their explanations) here
    #[arg(long)]
    pub review: Option<PathBuf>,
    /// Score with this saved model instead of estimating one from the file
    #[arg(long)]
    pub model_in: Option<PathBuf>,
    /// Save the estimated model here (JSON)
    #[arg(long)]
    pub model_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// persons.csv: record_id,nik,kk_number,full_name,sex,birth_place,birth_date,address,village_code
    #[arg(long)]
    pub input: PathBuf,
    /// clusters.csv to write: record_id,cluster_id (every input record once)
    #[arg(long)]
    pub out: PathBuf,
    /// pairs.csv to write: record_id_a,record_id_b,match_probability
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    #[command(flatten)]
    pub common: LinkageArgs,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The left persons.csv
    #[arg(long)]
    pub left: PathBuf,
    /// The right persons.csv
    #[arg(long)]
    pub right: PathBuf,
    /// links.csv to write
    #[arg(long)]
    pub out: PathBuf,
    /// Link each record to at most one record of the other file (the best)
    #[arg(long)]
    pub one_to_one: bool,
    #[command(flatten)]
    pub common: LinkageArgs,
}
