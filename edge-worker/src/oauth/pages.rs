//! The few pages a user sees at the edge: choosing a provider, consent,
//! and the errors that must not be redirected to a client.

use portcullis_tenant_config::Branding;

use crate::http::HttpResponse;

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A complete page, with headers that keep it out of frames and caches.
pub fn page(status: u16, title: &str, body_html: &str) -> HttpResponse {
    branded_page(status, title, body_html, None)
}

/// A page in the tenant's colours, with its logo.
pub fn branded_page(
    status: u16,
    title: &str,
    body_html: &str,
    branding: Option<&Branding>,
) -> HttpResponse {
    let logo = branding
        .and_then(|b| b.logo_url.as_deref())
        .map(|url| format!("<img class=\"logo\" src=\"{}\" alt=\"\">", escape(url)))
        .unwrap_or_default();
    // Validated as #rrggbb when the document was opened.
    let accent = branding
        .and_then(|b| b.accent_color.as_deref())
        .map(|c| format!("button.primary,a.primary{{background:{c};border-color:{c}}}"))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title}</title><style>{STYLE}{accent}</style></head><body><main>{logo}{body_html}</main></body></html>",
        title = escape(title),
    );
    HttpResponse::empty(status)
        .with_header("content-type", "text/html; charset=utf-8")
        .with_header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src https:; frame-ancestors 'none'; base-uri 'none'",
        )
        .with_header("x-frame-options", "DENY")
        .with_header("cache-control", "no-store")
        .with_header("referrer-policy", "no-referrer")
        .with_body(html.into_bytes())
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}\
main{max-width:30rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 1px 4px #0002}\
h1{font-size:1.3rem;margin-top:0}ul{padding-left:1.2rem}li{margin:.4rem 0}\
.actions{display:flex;gap:.8rem;margin-top:1.5rem}button,a.button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:1px solid #c5cad3;background:#fff;color:inherit;text-decoration:none;cursor:pointer}\
button.primary,a.primary{background:#2856d8;border-color:#2856d8;color:#fff}.muted{color:#5b6474;font-size:.9rem}\
img.logo{display:block;max-height:3rem;max-width:12rem;margin-bottom:1rem}";

/// An error the user must see here, because redirecting it could not be
/// trusted (unknown client, unregistered redirect URI, lost session).
pub fn error_page(status: u16, title: &str, explanation: &str) -> HttpResponse {
    page(
        status,
        title,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(explanation)),
    )
}
