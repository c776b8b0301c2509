//! `portcullis-control-plane [serve|migrate|keygen|public-key]`

use portcullis_control_plane::{Settings, signing, storage};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: portcullis-control-plane [serve|migrate|keygen|public-key]
  serve       run the API and admin UI (default)
  migrate     apply database migrations and exit
  keygen      print a new PORTCULLIS_SIGNING_KEY
  public-key  print the edge's CONFIG_PUBLIC_KEY for PORTCULLIS_SIGNING_KEY";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    if let Err(e) = run(&command).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(command: &str) -> portcullis_control_plane::StartupResult<()> {
    match command {
        "serve" => portcullis_control_plane::serve(Settings::from_env()?).await,
        "migrate" => {
            let url = std::env::var("DATABASE_URL")
                .map_err(|_| "environment variable DATABASE_URL is required but not set")?;
            storage::migrate(&storage::connect(&url).await?).await?;
            Ok(())
        }
        "keygen" => {
            println!("{}", signing::generate_signing_key_hex()?);
            Ok(())
        }
        "public-key" => {
            let hex = std::env::var("PORTCULLIS_SIGNING_KEY").map_err(
                |_| "environment variable PORTCULLIS_SIGNING_KEY is required but not set",
            )?;
            println!(
                "{}",
                signing::public_key_hex(&signing::parse_signing_key(&hex)?)
            );
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}").into()),
    }
}
