//! Which language a page is shown in.
//!
//! A visitor's choice (`?lang=en` or `?lang=id` on any page) is kept in the `lang` cookie; the request is
//! then redirected to the same address without the parameter, so that addresses people share and
//! bookmark stay clean. Without a cookie the browser's `Accept-Language` decides, and without either the
//! configured default (Bahasa Indonesia unless the office changed it).

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tepat_domain::Lang;

use crate::state::AppState;

/// The cookie that keeps the chosen language.
pub const COOKIE: &str = "lang";
/// The query parameter that chooses it.
pub const PARAM: &str = "lang";
/// A year: the choice outlives browser sessions on a shared phone only as long as people expect.
const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

/// The language for a request: cookie, then `Accept-Language`, then `default`.
pub fn negotiate(headers: &HeaderMap, default: Lang) -> Lang {
    from_cookie(headers)
        .or_else(|| {
            headers
                .get_all(header::ACCEPT_LANGUAGE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(from_accept_language)
        })
        .unwrap_or(default)
}

/// The language in the `lang` cookie, if it names one of ours.
pub fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .find_map(|(_, value)| exact(value.trim().trim_matches('"')))
}

/// The language the browser prefers most among ours (RFC 9110 §12.5.4: highest `q`, earlier wins ties,
/// `q=0` means "not this one"). `*` is ignored: it says nothing about which of ours.
pub fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(Lang, u16)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_tag) else {
            continue;
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .next()
            .map_or(Some(1000), parse_q);
        let Some(q) = q.filter(|&q| q > 0) else {
            continue;
        };
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((lang, q));
        }
    }
    best.map(|(lang, _)| lang)
}

/// A quality value as thousandths (`0.8` → 800); `None` if malformed.
fn parse_q(q: &str) -> Option<u16> {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: u16 = match int {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let frac_value: u16 = format!("{frac:0<3}").parse().ok()?;
    let value = int * 1000 + frac_value;
    (value <= 1000).then_some(value)
}

/// Only the exact tags we set, for the cookie and the parameter.
fn exact(value: &str) -> Option<Lang> {
    match value {
        "id" => Some(Lang::Id),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The address of the current page with `?lang=` set to `lang`, keeping its other parameters.
pub fn switch_url(path: &str, query: Option<&str>, lang: Lang) -> String {
    let mut url = safe_path(path);
    url.push('?');
    for pair in other_params(query) {
        url.push_str(pair);
        url.push('&');
    }
    url.push_str(PARAM);
    url.push('=');
    url.push_str(lang.tag());
    url
}

/// Middleware on the UI routes: `GET /any/page?lang=en&x=1` sets the cookie and redirects (303) to
/// `/any/page?x=1`. An unknown value (`?lang=fr`) is dropped without changing the cookie.
pub(crate) async fn switch(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let uri = request.uri();
    let chosen = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(name, _)| *name == PARAM)
            .map(|(_, value)| exact(value))
    });
    let (true, Some(chosen)) = (is_read, chosen) else {
        return next.run(request).await;
    };

    let mut location = safe_path(uri.path());
    let rest: Vec<&str> = other_params(uri.query()).collect();
    if !rest.is_empty() {
        location.push('?');
        location.push_str(&rest.join("&"));
    }
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    } else {
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/"));
    }
    if let Some(lang) = chosen {
        let secure = if state.config().is_https() {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax; HttpOnly{secure}",
            lang.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// The query's pairs other than `lang`, as they were sent (still percent-encoded).
fn other_params(query: Option<&str>) -> impl Iterator<Item = &str> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(PARAM))
}

/// A path that can only mean this site: `//evil.example/x` would be read by browsers as another host.
fn safe_path(path: &str) -> String {
    let trimmed = path.trim_start_matches(['/', '\\']);
    format!("/{trimmed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn accept_language_picks_the_most_preferred_of_ours() {
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,id;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            from_accept_language("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"),
            Some(Lang::Id)
        );
        assert_eq!(
            from_accept_language("fr-FR, en;q=0.5, id;q=0.7"),
            Some(Lang::Id)
        );
        assert_eq!(from_accept_language("jv, en;q=0.3"), Some(Lang::En));
        assert_eq!(from_accept_language("en;q=0, id;q=0.1"), Some(Lang::Id));
        assert_eq!(from_accept_language("en;q=0"), None);
        assert_eq!(from_accept_language("*"), None);
        assert_eq!(from_accept_language("fr, de"), None);
        assert_eq!(
            from_accept_language("en;q=2, id"),
            Some(Lang::Id),
            "malformed q ignored"
        );
        assert_eq!(
            from_accept_language("en, id"),
            Some(Lang::En),
            "ties: earlier wins"
        );
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn quality_values() {
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("0.8"), Some(800));
        assert_eq!(parse_q("0.125"), Some(125));
        assert_eq!(parse_q("0"), Some(0));
        for bad in ["1.5", "0.1234", "2", "x", "-0.5", "0.x"] {
            assert_eq!(parse_q(bad), None, "{bad}");
        }
    }

    #[test]
    fn cookie_then_accept_language_then_default() {
        let both = headers(&[
            (header::COOKIE, "session=abc; lang=en"),
            (header::ACCEPT_LANGUAGE, "id"),
        ]);
        assert_eq!(negotiate(&both, Lang::Id), Lang::En);
        let browser = headers(&[(header::ACCEPT_LANGUAGE, "en-GB")]);
        assert_eq!(negotiate(&browser, Lang::Id), Lang::En);
        let bad_cookie = headers(&[(header::COOKIE, "lang=fr"), (header::ACCEPT_LANGUAGE, "en")]);
        assert_eq!(negotiate(&bad_cookie, Lang::Id), Lang::En);
        assert_eq!(negotiate(&HeaderMap::new(), Lang::Id), Lang::Id);
        assert_eq!(negotiate(&HeaderMap::new(), Lang::En), Lang::En);
        let other = headers(&[(header::COOKIE, "xlang=en; a=b")]);
        assert_eq!(from_cookie(&other), None);
    }

    #[test]
    fn switch_links_keep_other_parameters() {
        assert_eq!(switch_url("/", None, Lang::En), "/?lang=en");
        assert_eq!(
            switch_url("/portal", Some("region=19.02&lang=id"), Lang::En),
            "/portal?region=19.02&lang=en"
        );
        assert_eq!(
            switch_url("//evil.example/x", None, Lang::Id),
            "/evil.example/x?lang=id"
        );
    }
}
