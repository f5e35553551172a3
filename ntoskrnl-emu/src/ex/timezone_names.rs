//! Windows names for the host's zone: the IANA zone (TZ, or the target of
//! /etc/localtime) mapped to its Windows time-zone key, as the Unicode CLDR
//! "windowsZones" table pairs them. Only common zones are listed; others
//! keep the host's abbreviations.

/// (IANA zone, Windows key) pairs.
static ZONES: &[(&str, &str)] = &[
    ("UTC", "UTC"),
    ("Etc/UTC", "UTC"),
    ("Etc/GMT", "UTC"),
    ("GMT", "UTC"),
    ("Etc/Universal", "UTC"),
    ("Universal", "UTC"),
    ("Zulu", "UTC"),
    ("America/New_York", "Eastern Standard Time"),
    ("America/Detroit", "Eastern Standard Time"),
    ("America/Toronto", "Eastern Standard Time"),
    ("US/Eastern", "Eastern Standard Time"),
    ("America/Chicago", "Central Standard Time"),
    ("US/Central", "Central Standard Time"),
    ("America/Winnipeg", "Central Standard Time"),
    ("America/Denver", "Mountain Standard Time"),
    ("US/Mountain", "Mountain Standard Time"),
    ("America/Edmonton", "Mountain Standard Time"),
    ("America/Phoenix", "US Mountain Standard Time"),
    ("America/Los_Angeles", "Pacific Standard Time"),
    ("US/Pacific", "Pacific Standard Time"),
    ("America/Vancouver", "Pacific Standard Time"),
    ("America/Anchorage", "Alaskan Standard Time"),
    ("Pacific/Honolulu", "Hawaiian Standard Time"),
    ("America/Halifax", "Atlantic Standard Time"),
    ("America/Sao_Paulo", "E. South America Standard Time"),
    ("Europe/London", "GMT Standard Time"),
    ("Europe/Dublin", "GMT Standard Time"),
    ("Europe/Lisbon", "GMT Standard Time"),
    ("Europe/Berlin", "W. Europe Standard Time"),
    ("Europe/Amsterdam", "W. Europe Standard Time"),
    ("Europe/Rome", "W. Europe Standard Time"),
    ("Europe/Vienna", "W. Europe Standard Time"),
    ("Europe/Zurich", "W. Europe Standard Time"),
    ("Europe/Stockholm", "W. Europe Standard Time"),
    ("Europe/Oslo", "W. Europe Standard Time"),
    ("Europe/Paris", "Romance Standard Time"),
    ("Europe/Brussels", "Romance Standard Time"),
    ("Europe/Madrid", "Romance Standard Time"),
    ("Europe/Copenhagen", "Romance Standard Time"),
    ("Europe/Warsaw", "Central European Standard Time"),
    ("Europe/Prague", "Central Europe Standard Time"),
    ("Europe/Budapest", "Central Europe Standard Time"),
    ("Europe/Athens", "GTB Standard Time"),
    ("Europe/Bucharest", "GTB Standard Time"),
    ("Europe/Helsinki", "FLE Standard Time"),
    ("Europe/Kiev", "FLE Standard Time"),
    ("Europe/Kyiv", "FLE Standard Time"),
    ("Europe/Moscow", "Russian Standard Time"),
    ("Europe/Istanbul", "Turkey Standard Time"),
    ("Asia/Tokyo", "Tokyo Standard Time"),
    ("Asia/Shanghai", "China Standard Time"),
    ("Asia/Hong_Kong", "China Standard Time"),
    ("Asia/Kolkata", "India Standard Time"),
    ("Asia/Calcutta", "India Standard Time"),
    ("Asia/Seoul", "Korea Standard Time"),
    ("Asia/Dubai", "Arabian Standard Time"),
    ("Asia/Jerusalem", "Israel Standard Time"),
    ("Australia/Sydney", "AUS Eastern Standard Time"),
    ("Australia/Melbourne", "AUS Eastern Standard Time"),
    ("Australia/Brisbane", "E. Australia Standard Time"),
    ("Australia/Perth", "W. Australia Standard Time"),
    ("Pacific/Auckland", "New Zealand Standard Time"),
    ("Africa/Johannesburg", "South Africa Standard Time"),
    ("Africa/Cairo", "Egypt Standard Time"),
];

/// The host's IANA zone name: TZ (":Area/City", "Area/City" or a path
/// under a zoneinfo directory), else the target of /etc/localtime.
fn host_zone() -> Option<String> {
    let from_path = |p: &str| p.rsplit_once("zoneinfo/").map(|(_, z)| z.to_string());
    match std::env::var("TZ") {
        Ok(tz) if !tz.is_empty() => {
            let tz = tz.strip_prefix(':').unwrap_or(&tz);
            if tz.starts_with('/') {
                from_path(tz)
            } else {
                Some(tz.to_string())
            }
        }
        _ => {
            let link = std::fs::read_link("/etc/localtime").ok()?;
            from_path(&link.to_string_lossy())
        }
    }
}

/// The Windows key, standard name and daylight name of the host's zone,
/// when it is a zone the table knows.
pub fn windows_names() -> Option<(&'static str, String, String)> {
    let zone = host_zone()?;
    let key = ZONES.iter().find(|(iana, _)| *iana == zone)?.1;
    if key == "UTC" {
        let name = "Coordinated Universal Time".to_string();
        return Some((key, name.clone(), name));
    }
    Some((
        key,
        key.to_string(),
        key.replace("Standard Time", "Daylight Time"),
    ))
}

/// A name as a NUL-padded WCHAR array.
pub fn wide<const N: usize>(s: &str) -> [u16; N] {
    let mut out = [0u16; N];
    for (o, c) in out.iter_mut().take(N - 1).zip(s.encode_utf16()) {
        *o = c;
    }
    out
}
