use super::*;
use serde_json::json;

fn binding(method: HttpMethod, url: &str) -> HttpBinding {
    HttpBinding {
        method,
        url: url.into(),
        query: Vec::new(),
        headers: BTreeMap::new(),
        timeout_ms: DEFAULT_TIMEOUT_MS,
        max_response_bytes: DEFAULT_RESPONSE_BYTES,
        assertion: None,
        credential: None,
        user_token: false,
        mcp: None,
    }
}

#[test]
fn an_upstream_mcp_tool_is_a_post_of_its_whole_arguments() {
    let target = crate::upstream_mcp::McpTarget {
        tool: "echo".into(),
    };
    let mcp = HttpBinding {
        mcp: Some(target.clone()),
        ..binding(HttpMethod::Post, "https://mcp.acme.test/mcp")
    };
    let known = ["message", "n"];
    assert!(mcp.validate(&known, |_| false).is_ok());
    let planned = mcp
        .plan(&args(json!({"message": "a/../b\r\n", "n": 2})), None)
        .unwrap();
    assert_eq!(planned.url, "https://mcp.acme.test/mcp");
    let body: Value = serde_json::from_str(planned.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["method"], "tools/call");
    assert_eq!(
        body["params"],
        json!({"name": "echo", "arguments": {"message": "a/../b\r\n", "n": 2}})
    );
    assert!(
        planned
            .headers
            .contains(&("accept".into(), crate::upstream_mcp::ACCEPT.into()))
    );
    let refused = |b: HttpBinding| b.validate(&known, |_| false).unwrap_err().field;
    let get = HttpBinding {
        method: HttpMethod::Get,
        ..mcp.clone()
    };
    assert_eq!(refused(get), "http.method");
    let templated = HttpBinding {
        url: "https://mcp.acme.test/{message}".into(),
        ..mcp.clone()
    };
    assert_eq!(refused(templated), "http.url");
    let query = HttpBinding {
        query: vec!["n".into()],
        ..mcp.clone()
    };
    assert_eq!(refused(query), "http.query");
    let nameless = HttpBinding {
        mcp: Some(crate::upstream_mcp::McpTarget {
            tool: String::new(),
        }),
        ..mcp.clone()
    };
    assert_eq!(refused(nameless), "http.mcp.tool");
    let inward = HttpBinding {
        url: "https://10.0.0.1/mcp".into(),
        ..mcp
    };
    assert_eq!(refused(inward), "http.url");
}

fn args(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn an_admin_sees_where_each_argument_goes() {
    let mut b = binding(
        HttpMethod::Post,
        "https://api.acme.test/w/{city}{?units,lang}",
    );
    b.query = vec!["page".into()];
    b.headers = [("trace".to_owned(), "X-Trace".to_owned())].into();
    let parts = b.url_parts().unwrap();
    assert_eq!(parts[0], UrlPart::Text("https://api.acme.test/w/".into()));
    assert_eq!(
        parts[2],
        UrlPart::Expression {
            text: "{?units,lang}".into(),
            names: vec!["units".into(), "lang".into()]
        }
    );
    let placed = b.placements(&["city", "lang", "page", "trace", "note"]);
    assert_eq!(
        placed,
        [
            ("city", Placement::Url),
            ("lang", Placement::Url),
            ("page", Placement::Query),
            ("trace", Placement::Header("X-Trace".into())),
            ("note", Placement::Body),
        ]
    );
    b.method = HttpMethod::Get;
    assert_eq!(b.placements(&["note"]), [("note", Placement::Query)]);
    b.url = "https://x/{".into();
    assert!(b.url_parts().is_err());
}

#[test]
fn templates_expand_each_operator_as_rfc_6570_says() {
    let b = binding(
        HttpMethod::Get,
        "https://api.acme.test/v1/cities/{city}/weather{/day}{.format}{;lang}{?units,limit}{&page}",
    );
    let planned = b
        .plan(
            &args(json!({"city": "São Paulo", "day": "mon", "format": "json",
            "lang": "pt", "units": "metric", "limit": 3, "page": 2})),
            None,
        )
        .unwrap();
    assert_eq!(
        planned.url,
        "https://api.acme.test/v1/cities/S%C3%A3o%20Paulo/weather/mon.json;lang=pt?units=metric&limit=3&page=2"
    );
    assert_eq!(planned.body, None);
    let sparse = b.plan(&args(json!({"city": "Oslo"})), None).unwrap();
    assert_eq!(sparse.url, "https://api.acme.test/v1/cities/Oslo/weather");
}

#[test]
fn no_argument_can_leave_its_place() {
    let b = HttpBinding {
        headers: BTreeMap::from([("trace".to_owned(), "X-Trace".to_owned())]),
        ..binding(HttpMethod::Get, "https://api.acme.test/items/{id}")
    };
    for hostile in [
        "../admin",
        "%2e%2e/admin",
        "a/b",
        "x?admin=1",
        "x#frag",
        "user@evil.test",
        "\u{202e}evil",
        "a\r\nHost: evil.test",
    ] {
        let planned = b.plan(&args(json!({"id": hostile})), None).unwrap();
        let rest = planned
            .url
            .strip_prefix("https://api.acme.test/items/")
            .unwrap_or_else(|| panic!("{hostile:?} moved the target: {}", planned.url));
        assert!(
            rest.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{hostile:?} left its segment: {rest}"
        );
    }
    let long = "x".repeat(20_000);
    assert!(b.plan(&args(json!({"id": long})), None).is_err());
    for header in ["a\r\nx-admin: 1", "a\nb", "nul\0", "é"] {
        let refused = b.plan(&args(json!({"id": "1", "trace": header})), None);
        assert!(refused.is_err(), "{header:?} went into a header");
    }
    let planned = b
        .plan(&args(json!({"id": "1", "trace": "abc-123"})), None)
        .unwrap();
    assert_eq!(planned.headers, vec![("x-trace".into(), "abc-123".into())]);
}

#[test]
fn unplaced_arguments_go_to_the_query_or_a_json_body() {
    let get = HttpBinding {
        query: vec!["q".into()],
        ..binding(HttpMethod::Get, "https://api.acme.test/search")
    };
    let planned = get
        .plan(
            &args(json!({"q": "a&b=c", "tags": ["x", "y"], "n": 2})),
            None,
        )
        .unwrap();
    assert_eq!(
        planned.url,
        "https://api.acme.test/search?q=a%26b%3Dc&n=2&tags=%5B%22x%22%2C%22y%22%5D"
    );
    let post = binding(HttpMethod::Post, "https://api.acme.test/orders/{id}");
    let planned = post
        .plan(&args(json!({"id": 7, "item": "tea", "qty": 2})), None)
        .unwrap();
    assert_eq!(planned.url, "https://api.acme.test/orders/7");
    assert_eq!(
        serde_json::from_str::<Value>(planned.body.as_deref().unwrap()).unwrap(),
        json!({"item": "tea", "qty": 2})
    );
    assert!(
        planned
            .headers
            .contains(&("content-type".into(), "application/json".into()))
    );
}

#[test]
fn a_binding_is_checked_before_it_is_saved() {
    let names = ["city", "units", "trace"];
    let https_only = |_: &str| false;
    let ok = binding(HttpMethod::Get, "https://api.acme.test/{city}{?units}");
    assert_eq!(ok.validate(&names, https_only), Ok(()));
    for (url, why) in [
        ("http://api.acme.test/{city}", "http"),
        ("https://{city}.acme.test/", "host from a variable"),
        (
            "https://api.acme.test{city}",
            "host continued by a variable",
        ),
        ("https://api.acme.test/{+city}", "reserved expansion"),
        ("https://api.acme.test/{#city}", "fragment expansion"),
        ("https://api.acme.test/{town}", "unknown variable"),
        ("https://api.acme.test/{city:3}", "prefix modifier"),
        ("https://api.acme.test/{city", "unclosed"),
        ("https://api.acme.test/a b", "space"),
        ("https://api.acme.test/#x", "fragment"),
        ("/relative/{city}", "relative"),
    ] {
        let refused = binding(HttpMethod::Get, url).validate(&names, https_only);
        assert_eq!(
            refused.map_err(|e| e.field),
            Err("http.url"),
            "{why}: {url}"
        );
    }
    assert!(
        binding(HttpMethod::Get, "http://127.0.0.1:8080/{city}")
            .validate(&names, |_| true)
            .is_ok()
    );
    for inward in [
        "https://10.0.0.5/{city}",
        "https://172.16.1.1/{city}",
        "https://192.168.0.10:8443/{city}",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/{city}",
        "https://0.0.0.0/{city}",
        "https://[fd00::1]/{city}",
        "https://[fe80::1]/{city}",
        "https://[::ffff:10.0.0.1]/{city}",
        "https://user:pw@api.acme.test/{city}",
    ] {
        let refused = binding(HttpMethod::Get, inward).validate(&names, |_| true);
        assert_eq!(refused.map_err(|e| e.field), Err("http.url"), "{inward}");
    }
    assert!(
        binding(HttpMethod::Get, "https://93.184.216.34/{city}")
            .validate(&names, https_only)
            .is_ok(),
        "a public address literal is fine"
    );
    for header in [
        "Authorization",
        "Host",
        "X-Portcullis-User",
        "bad header",
        "",
    ] {
        let b = HttpBinding {
            headers: BTreeMap::from([("trace".to_owned(), header.to_owned())]),
            ..ok.clone()
        };
        assert_eq!(
            b.validate(&names, https_only).map_err(|e| e.field),
            Err("http.headers"),
            "{header:?}"
        );
    }
    let slow = HttpBinding {
        timeout_ms: MAX_TIMEOUT_MS + 1,
        ..ok.clone()
    };
    assert_eq!(
        slow.validate(&names, https_only).map_err(|e| e.field),
        Err("http.timeoutMs")
    );
    let unknown_query = HttpBinding {
        query: vec!["nope".into()],
        ..ok
    };
    assert_eq!(
        unknown_query
            .validate(&names, https_only)
            .map_err(|e| e.field),
        Err("http.query")
    );
}
