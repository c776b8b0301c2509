//! `portcullis-control-plane [serve|migrate|keygen|public-key|sign-in-link <email>|rotate-seal-key]`

use portcullis_control_plane::context::RequestContext;
use portcullis_control_plane::services::Services;
use portcullis_control_plane::{Settings, signing, storage};
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: portcullis-control-plane [serve|migrate|keygen|public-key|sign-in-link <email>|rotate-seal-key]
  serve                run the API and admin UI (default)
  migrate              apply database migrations and exit
  keygen               print a new PORTCULLIS_SIGNING_KEY
  public-key           print the edge's CONFIG_PUBLIC_KEY for PORTCULLIS_SIGNING_KEY
  sign-in-link <email> make <email> a platform operator and print a one-time
                       sign-in link for them (15 minutes): the first admin's way in
  rotate-seal-key      re-seal every secret under PORTCULLIS_EDGE_SEAL_KEY (opening
                       with PORTCULLIS_EDGE_SEAL_KEY_PREVIOUS) and republish live
                       configs carrying old ones";

fn main() {
    // Rendering the admin UI's deeper pages can take more stack than
    // tokio's default 2 MiB per thread, most of all in debug builds.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(16 << 20)
        .enable_all()
        .build()
        .expect("the async runtime starts");
    runtime.block_on(start());
}

async fn start() {
    // Logs go to stderr: stdout is for what a command prints (a sign-in
    // link, a key), so `$(…)` in a shell captures only that.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
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
        "sign-in-link" => {
            let email = std::env::args()
                .nth(2)
                .ok_or_else(|| format!("sign-in-link needs an email\n{USAGE}"))?;
            let (settings, services) = services().await?;
            let link = services
                .sign_in_link_create(&RequestContext::system(), &email, true)
                .await?;
            println!("{}", settings.sign_in_link_url(&link.token));
            eprintln!("valid until {} and for one use", link.expires_at);
            Ok(())
        }
        "rotate-seal-key" => {
            let (_, services) = services().await?;
            let report = services.seal_key_rotate(&RequestContext::system()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.unreadable.is_empty() {
                return Err("some secrets open with neither key; see `unreadable`".into());
            }
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

/// The services over the configured database, for one-off commands.
async fn services() -> portcullis_control_plane::StartupResult<(Settings, Services)> {
    let settings = Settings::from_env()?;
    let pool = storage::connect(&settings.database_url).await?;
    storage::migrate(&pool).await?;
    let services = Services::new(pool, &settings)?;
    Ok((settings, services))
}
