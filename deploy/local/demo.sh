# shellcheck shell=bash
# The demo tenant of the local stack: `demo`, protected by the development
# identity provider (dev-idp/), with two scopes and two tools, published.
# Source after lib.sh; `pc_seed_demo` is idempotent (run at every start).

# pc_seed_demo API_BASE SIGN_IN_LINK JAR ISSUER CLIENT_ID CLIENT_SECRET
pc_seed_demo() {
  local api="$1" link="$2" jar="$3" issuer="$4" client_id="$5" secret="$6" csrf status
  curl -fsS -c "$jar" -o /dev/null "$link" || { echo "demo: the sign-in link failed" >&2; return 1; }
  csrf=$(curl -fsS -b "$jar" "$api/session" | sed -E 's/.*"csrfToken":"([^"]+)".*/\1/')
  _pc_demo_call() { # METHOD PATH [BODY] → prints the status code
    curl -sS -b "$jar" -o "$jar.body" -w '%{http_code}' -X "$1" -H "x-csrf-token: $csrf" \
      -H 'content-type: application/json' ${3:+--data "$3"} "$api$2"
  }
  _pc_demo_expect() { # WANT... -- METHOD PATH [BODY]
    local want=() got
    while [ "$1" != "--" ]; do want+=("$1"); shift; done
    shift
    got=$(_pc_demo_call "$@")
    for code in "${want[@]}"; do [ "$got" = "$code" ] && return 0; done
    echo "demo: $1 $2 answered $got: $(cat "$jar.body")" >&2
    return 1
  }
  status=$(_pc_demo_call GET /tenants/demo)
  if [ "$status" = 404 ]; then
    pc_log "creating the demo tenant"
    _pc_demo_expect 201 -- POST /tenants '{"slug":"demo","displayName":"Demo (development sign-in)"}'
    _pc_demo_expect 201 -- POST /tenants/demo/tools '{"name":"list-notes","description":"Lists the team notes",
      "inputSchema":{"type":"object"},"scopes":["notes:read"],
      "content":[{"type":"text","text":"1. Ship the demo. 2. Sign in as alice@example.test to add notes."}]}'
    _pc_demo_expect 201 -- POST /tenants/demo/tools '{"name":"add-note","description":"Adds a team note (engineering only)",
      "inputSchema":{"type":"object","properties":{"text":{"type":"string","maxLength":500}},"required":["text"]},
      "scopes":["notes:write"],"content":[{"type":"text","text":"Noted."}]}'
  elif [ "$status" != 200 ]; then
    echo "demo: GET /tenants/demo answered $status: $(cat "$jar.body")" >&2
    return 1
  fi
  # The provider's address follows the ports of this start.
  _pc_demo_expect 200 -- PUT /tenants/demo/auth "{\"mode\":\"oauth\",
    \"providers\":[{\"id\":\"dev\",\"kind\":\"oidc\",\"displayName\":\"Development sign-in (any login)\",
      \"issuer\":\"$issuer\",\"clientId\":\"$client_id\",\"clientSecret\":\"$secret\"}],
    \"scopes\":[{\"name\":\"notes:read\",\"description\":\"Read the team notes\"},
      {\"name\":\"notes:write\",\"description\":\"Add team notes\"}],
    \"allow\":[{\"emailDomains\":[\"example.test\"]}],
    \"roles\":[{\"name\":\"everyone\",\"scopes\":[\"notes:read\"]},
      {\"name\":\"engineering\",\"when\":{\"groups\":[\"engineering\"]},\"scopes\":[\"notes:write\"]}]}"
  _pc_demo_expect 201 -- POST /tenants/demo/publish
  rm -f "$jar.body"
}
