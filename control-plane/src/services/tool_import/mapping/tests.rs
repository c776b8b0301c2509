//! The mapping over the vendored descriptions (see
//! `control-plane/tests/fixtures/openapi/README.md`).

use serde_json::{Value, json};

use super::*;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/openapi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tool<'a>(proposals: &'a Proposals, name: &str) -> &'a Proposal {
    proposals
        .tools
        .iter()
        .find(|p| p.tool.name == name)
        .unwrap_or_else(|| panic!("{name} proposed: {:?}", proposals.refused))
}

fn http(proposal: &Proposal) -> Value {
    serde_json::to_value(proposal.tool.http.as_ref().unwrap()).unwrap()
}

#[test]
fn the_petstore_maps_to_sensible_tools_and_says_what_it_cannot() {
    let petstore = fixture("petstore.json");
    let proposals = propose(&petstore, Some("https://pets.example.net/v2"), None).unwrap();
    assert_eq!(proposals.title, "Swagger Petstore");

    let get = tool(&proposals, "getPetById");
    assert_eq!(get.operation, "GET /pet/{petId}");
    assert_eq!(get.tool.title.as_deref(), Some("Find pet by ID"));
    assert_eq!(http(get)["url"], "https://pets.example.net/v2/pet/{petId}");
    assert_eq!(get.tool.input_schema["required"], json!(["petId"]));
    assert_eq!(
        get.tool.input_schema["properties"]["petId"]["type"],
        "integer"
    );
    let output = get.tool.output_schema.as_ref().expect("a Pet comes back");
    assert_eq!(output["required"], json!(["name", "photoUrls"]));
    assert_eq!(
        get.secret,
        Some(("api_key".into(), SecretKind::Header("api_key".into())))
    );
    let annotations = get.tool.annotations.as_ref().unwrap();
    assert_eq!(annotations.read_only_hint, Some(true));

    // A JSON body's properties are the arguments; a referenced body too.
    let add = tool(&proposals, "addPet");
    assert_eq!(
        add.tool.input_schema["required"],
        json!(["name", "photoUrls"])
    );
    assert_eq!(
        add.tool.input_schema["properties"]["category"]["properties"]["name"]["type"],
        "string"
    );
    assert!(
        add.notes.iter().any(|n| n.contains("petstore_auth")),
        "{:?}",
        add.notes
    );

    let find = tool(&proposals, "findPetsByStatus");
    assert_eq!(
        http(find)["url"],
        "https://pets.example.net/v2/pet/findByStatus{?status}"
    );
    let delete = tool(&proposals, "deletePet");
    assert_eq!(http(delete)["headers"], json!({"api_key": "api_key"}));
    // Where the header is the security scheme's, the secret fills it.
    let mut keyed = petstore.clone();
    keyed["paths"]["/pet/{petId}"]["delete"]["security"] = json!([{"api_key": []}]);
    let keyed = propose(&keyed, Some("https://pets.example.net/v2"), None).unwrap();
    let delete = tool(&keyed, "deletePet");
    assert!(http(delete).get("headers").is_none(), "{}", http(delete));
    assert!(
        delete.tool.input_schema["properties"]
            .get("api_key")
            .is_none()
    );
    assert!(
        delete
            .notes
            .iter()
            .any(|n| n.contains("carries the tool's secret"))
    );
    assert_eq!(
        delete.tool.annotations.as_ref().unwrap().destructive_hint,
        Some(true)
    );

    // An optional form or multipart body is left out, and said so.
    for name in ["updatePetWithForm", "uploadFile"] {
        let notes = &tool(&proposals, name).notes;
        assert!(
            notes.iter().any(|n| n.contains("is not sent")),
            "{name}: {notes:?}"
        );
    }
    let refused: Vec<(&str, &str)> = proposals
        .refused
        .iter()
        .map(|r| (r.operation.as_str(), r.reason.as_str()))
        .collect();
    assert!(
        refused
            .iter()
            .any(|(o, r)| *o == "PUT /user/{username}" && r.contains("username")),
        "{refused:?}"
    );
    // The array bodies are not objects.
    assert!(
        refused
            .iter()
            .any(|(o, r)| *o == "POST /user/createWithArray" && r.contains("not a JSON object")),
        "{refused:?}"
    );
    assert_eq!(proposals.tools.len() + proposals.refused.len(), 20);
}

#[test]
fn the_description_s_server_is_the_base_unless_one_is_given() {
    let petstore = fixture("petstore.json");
    // http on the open internet is refused by the binding's own rules.
    let proposals = propose(&petstore, None, None).unwrap();
    assert!(proposals.tools.is_empty());
    let for_url = proposals
        .refused
        .iter()
        .filter(|r| r.reason.contains("http.url"));
    assert!(for_url.count() >= 15, "{:?}", proposals.refused);
    let travel = fixture("train-travel.json");
    let proposals = propose(&travel, None, None).unwrap();
    let stations = tool(&proposals, "get-stations");
    assert!(
        http(stations)["url"]
            .as_str()
            .unwrap()
            .starts_with("https://api.example.com/stations"),
        "{}",
        http(stations)
    );
    let mut relative = travel.clone();
    relative["servers"] = json!([{"url": "/v1"}]);
    let err = propose(&relative, None, None).unwrap_err();
    assert_eq!(err.field, "baseUrl");
    let from = propose(
        &relative,
        None,
        Some("https://docs.example.org/openapi.json"),
    )
    .unwrap();
    let url = http(tool(&from, "get-stations"))["url"].clone();
    assert!(
        url.as_str()
            .unwrap()
            .starts_with("https://docs.example.org/v1/stations"),
        "{url}"
    );
}

#[test]
fn a_large_reference_heavy_description_maps_operation_by_operation() {
    let stapi = fixture("star-trek.json");
    let proposals = propose(&stapi, Some("https://stapi.example.net/api/v1/rest"), None).unwrap();
    assert_eq!(proposals.tools.len(), 120, "{:?}", proposals.refused);
    let names: BTreeSet<&str> = proposals
        .tools
        .iter()
        .map(|p| p.tool.name.as_str())
        .collect();
    assert_eq!(names.len(), proposals.tools.len(), "names are unique");
    for proposal in &proposals.tools {
        crate::services::tools::validate_tool(&proposal.tool).unwrap();
        assert!(!proposal.tool.input_schema.to_string().contains("$ref"));
    }
}

#[test]
fn what_is_not_openapi_3_is_refused_whole() {
    for document in [
        json!({"swagger": "2.0"}),
        json!({"openapi": "4.0.0"}),
        json!([1]),
    ] {
        let err = propose(&document, None, None).unwrap_err();
        assert_eq!(err.field, "source", "{document}");
    }
}

#[test]
fn names_and_variables_are_made_valid() {
    assert_eq!(
        tool_name(None, "GET", "/users/{id}/posts"),
        "get_users_id_posts"
    );
    assert_eq!(tool_name(Some("list pets!"), "GET", "/x"), "list_pets");
    assert_eq!(tool_name(Some(&"a".repeat(200)), "GET", "/x").len(), 128);
    assert_eq!(variable_name("pet-id"), "pet_id");
}
