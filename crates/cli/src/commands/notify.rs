//! `tepat notify`: the notification outbox from the command line (`docs/notifications.md`) — counts per
//! channel and state, one pass now, failed deliveries made due again — and the job `serve` and `demo`
//! run every `[notify] every_seconds`.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use tepat_core::portal::notify::Outbox;
use tepat_store::{Channel, DeliveryState, Store};

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// How many deliveries are pending, sending, sent, delivered and failed, per channel
    Status,
    /// One outbox pass now: "payment sent" notices for settled transfers, notices fanned out to the
    /// households' channels, due deliveries sent (`tepat serve` does this every [notify] every_seconds)
    Run,
    /// Make every failed delivery due again with its attempts reset (after fixing the configuration)
    Retry,
}

pub(crate) async fn run(ctx: &Context, command: NotifyCommand) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    match command {
        NotifyCommand::Status => status(store.as_ref()).await,
        NotifyCommand::Run => {
            let outbox = Outbox::new(store, ctx.config.notify.clone())
                .map_err(anyhow::Error::msg)
                .context("[notify] settings")?;
            let pass = outbox.run_once(chrono::Utc::now()).await?;
            println!(
                "payment notices {}, notices fanned out {}, deliveries queued {}, sent {}, retrying {}, failed {}",
                pass.payment_notices, pass.fanned_out, pass.queued, pass.sent, pass.retrying, pass.failed
            );
            Ok(())
        }
        NotifyCommand::Retry => {
            let n = store.retry_failed_deliveries(chrono::Utc::now()).await?;
            println!("{n} failed deliveries are due again");
            Ok(())
        }
    }
}

async fn status(store: &dyn Store) -> anyhow::Result<()> {
    let counts = store.delivery_counts().await?;
    print!("{:<10}", "channel");
    for state in DeliveryState::ALL {
        print!("{:>11}", state.code());
    }
    println!();
    for channel in Channel::ALL {
        print!("{:<10}", channel.code());
        for state in DeliveryState::ALL {
            let n = counts
                .iter()
                .find(|c| c.channel == *channel && c.state == *state)
                .map_or(0, |c| c.count);
            print!("{n:>11}");
        }
        println!();
    }
    Ok(())
}

/// The outbox job of `serve` and `demo`; `None` (logged) when `[notify]` cannot be set up, so the
/// server still starts and the in-app inbox still works.
pub(crate) fn start(
    config: &tepat_web::ServerConfig,
    store: Arc<dyn Store>,
) -> Option<tokio::task::JoinHandle<()>> {
    match Outbox::new(store, config.notify.clone()) {
        Ok(outbox) => Some(tokio::spawn(tepat_core::portal::notify::delivering(outbox))),
        Err(e) => {
            tracing::error!(error = %e, "notifications are off: [notify] cannot be set up");
            None
        }
    }
}
