//! The catalogue of the published datasets, for harvesters: DCAT (JSON-LD, in the DCAT-AP style:
//! `dcat:Catalog` → `dcat:Dataset` → `dcat:Distribution` with media type, licence, temporal and
//! spatial coverage, and the data dictionary as a CSVW table schema) and the subset of CKAN's action
//! API that the national open-data portal (a CKAN) harvests: `package_list` and `package_show`, in
//! CKAN's `{help, success, result}` envelope.

use serde_json::{json, Value};

use super::datasets::{datasets, Dataset};
use super::publication::{Level, Publication};

/// Where the catalogue lives and who publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSite {
    /// The portal's absolute base URL without a trailing slash (`https://bansos.example.go.id`).
    pub base: String,
    /// The publishing office.
    pub publisher: String,
    /// Whether masked recipient lists are published.
    pub lists_on: bool,
}

/// The licence of every dataset: Creative Commons Attribution 4.0 (open data under Satu Data).
pub const LICENSE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
const LICENSE_CKAN: &str = "cc-by";

fn download(site: &CatalogSite, d: &Dataset, ext: &str) -> String {
    format!("{}/data/{}.{ext}", site.base, d.file)
}

/// Cycles and the regions covered, from the publication.
fn coverage(p: &Publication) -> (Vec<String>, Vec<String>) {
    let cycles = {
        let mut c: Vec<String> = p.series.iter().map(|s| s.cycle.clone()).collect();
        c.sort();
        c.dedup();
        c
    };
    let mut regions: Vec<String> = p
        .distribution
        .iter()
        .filter(|r| r.level == Level::Regency)
        .filter_map(|r| r.region_code.clone())
        .chain(
            p.complaints
                .iter()
                .filter(|r| r.level == Level::Regency)
                .filter_map(|r| r.region_code.clone()),
        )
        .collect();
    regions.sort();
    regions.dedup();
    (cycles, regions)
}

fn dictionary(d: &Dataset) -> Value {
    Value::Array(
        d.columns
            .iter()
            .map(|c| {
                json!({
                    "csvw:name": c.name,
                    "csvw:datatype": c.datatype,
                    "dct:description": [
                        {"@language": "id", "@value": c.description_id},
                        {"@language": "en", "@value": c.description_en},
                    ],
                    "unit": c.unit,
                })
            })
            .collect(),
    )
}

fn dcat_dataset(site: &CatalogSite, d: &Dataset, p: &Publication) -> Value {
    let (cycles, regions) = coverage(p);
    let modified = p.as_of.map(|t| t.to_rfc3339());
    let distribution = |ext: &str, media: &str| {
        json!({
            "@type": "dcat:Distribution",
            "@id": download(site, d, ext),
            "dct:title": format!("{} ({})", d.title_id, ext.to_uppercase()),
            "dcat:accessURL": {"@id": format!("{}/data", site.base)},
            "dcat:downloadURL": {"@id": download(site, d, ext)},
            "dcat:mediaType": {"@id": format!("https://www.iana.org/assignments/media-types/{media}")},
            "dct:format": ext.to_uppercase(),
            "dct:license": {"@id": LICENSE_URL},
            "dct:modified": modified,
            "csvw:tableSchema": {"csvw:column": dictionary(d)},
        })
    };
    json!({
        "@type": "dcat:Dataset",
        "@id": format!("{}/data#{}", site.base, d.id),
        "dct:identifier": d.id,
        "dct:title": [
            {"@language": "id", "@value": d.title_id},
            {"@language": "en", "@value": d.title_en},
        ],
        "dct:description": [
            {"@language": "id", "@value": d.description_id},
            {"@language": "en", "@value": d.description_en},
        ],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": site.publisher},
        "dct:license": {"@id": LICENSE_URL},
        "dct:modified": modified,
        "dct:accrualPeriodicity": {"@id": "http://purl.org/cld/freq/daily"},
        "dcat:keyword": ["bansos", "bantuan sosial", "social assistance", "open data"],
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "rdfs:comment": "distribution cycles covered",
            "cycles": cycles,
        },
        "dct:spatial": regions.iter().map(|r| json!({
            "@type": "dct:Location",
            "skos:notation": r,
            "rdfs:comment": "Kemendagri region code",
        })).collect::<Vec<_>>(),
        "dcat:landingPage": {"@id": format!("{}/data", site.base)},
        "dcat:distribution": [distribution("csv", "text/csv"), distribution("json", "application/json")],
    })
}

/// The DCAT catalogue (JSON-LD).
pub fn dcat(site: &CatalogSite, p: &Publication) -> Value {
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "csvw": "http://www.w3.org/ns/csvw#",
            "unit": "http://www.w3.org/ns/csvw#note",
            "cycles": "http://purl.org/dc/terms/coverage",
        },
        "@id": format!("{}/data/catalog.jsonld", site.base),
        "@type": "dcat:Catalog",
        "dct:title": [
            {"@language": "id", "@value": "Data terbuka bantuan sosial (tepat)"},
            {"@language": "en", "@value": "Social assistance open data (tepat)"},
        ],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": site.publisher},
        "dct:license": {"@id": LICENSE_URL},
        "dct:modified": p.as_of.map(|t| t.to_rfc3339()),
        "dcat:dataset": datasets(site.lists_on).into_iter().map(|d| dcat_dataset(site, d, p)).collect::<Vec<_>>(),
    })
}

fn ckan_ok(help: &str, result: Value) -> Value {
    json!({"help": help, "success": true, "result": result})
}

/// `GET /api/3/action/package_list`.
pub fn ckan_package_list(site: &CatalogSite) -> Value {
    ckan_ok(
        &format!("{}/api/3/action/help_show?name=package_list", site.base),
        json!(datasets(site.lists_on)
            .into_iter()
            .map(|d| d.id)
            .collect::<Vec<_>>()),
    )
}

/// `GET /api/3/action/package_show?id=…`: `None` for an unknown id (CKAN answers 404 with
/// `success: false`; see [`ckan_not_found`]).
pub fn ckan_package_show(site: &CatalogSite, p: &Publication, id: &str) -> Option<Value> {
    let d = datasets(site.lists_on)
        .into_iter()
        .find(|d| d.id == id || d.file == id)?;
    let modified = p
        .as_of
        .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string());
    let resource = |ext: &str, media: &str| {
        json!({
            "id": format!("{}-{ext}", d.id),
            "package_id": d.id,
            "name": format!("{} ({})", d.title_id, ext.to_uppercase()),
            "url": download(site, d, ext),
            "format": ext.to_uppercase(),
            "mimetype": media,
            "last_modified": modified,
        })
    };
    let (cycles, regions) = coverage(p);
    Some(ckan_ok(
        &format!("{}/api/3/action/help_show?name=package_show", site.base),
        json!({
            "id": d.id,
            "name": d.id,
            "title": d.title_id,
            "notes": d.description_id,
            "license_id": LICENSE_CKAN,
            "license_url": LICENSE_URL,
            "state": "active",
            "type": "dataset",
            "private": false,
            "metadata_modified": modified,
            "organization": {"name": "tepat", "title": site.publisher},
            "tags": [{"name": "bansos"}, {"name": "bantuan-sosial"}],
            "url": format!("{}/data", site.base),
            "extras": [
                {"key": "temporal", "value": cycles.join(",")},
                {"key": "spatial", "value": regions.join(",")},
                {"key": "suppression_k", "value": p.k.to_string()},
                {"key": "data_dictionary", "value": format!("{}/data/catalog.jsonld", site.base)},
            ],
            "num_resources": 2,
            "resources": [resource("csv", "text/csv"), resource("json", "application/json")],
        }),
    ))
}

/// CKAN's answer to an unknown package.
pub fn ckan_not_found(site: &CatalogSite) -> Value {
    json!({
        "help": format!("{}/api/3/action/help_show?name=package_show", site.base),
        "success": false,
        "error": {"__type": "Not Found Error", "message": "Not found"},
    })
}
