//! Calendar time, time zones and FormatMessage (testbins time_zones and
//! format_message). The time-zone testbin runs under fixed TZ values so that
//! it does not depend on the machine's zone; its argument names the zone
//! whose Windows rules it expects.

mod common;

use common::*;

const TIME_ZONES: Testbin = Testbin::plain("time_zones");

fn time_zones_in(tz: &'static str, zone: &str) {
    let exe = build(&TIME_ZONES);
    let options = RunOptions {
        env: vec![("TZ", tz)],
        ..RunOptions::default()
    };
    run(&exe, &[zone], &options).expect_tap();
}

#[test]
fn time_zones_utc() {
    time_zones_in("UTC", "utc");
}

#[test]
fn time_zones_new_york() {
    time_zones_in("America/New_York", "new_york");
}

#[test]
fn time_zones_berlin() {
    time_zones_in("Europe/Berlin", "berlin");
}

/// tzdata marks Irish winter time as the daylight one (a negative DST);
/// Windows' zone for Dublin has summer as daylight time.
#[test]
fn time_zones_dublin() {
    time_zones_in("Europe/Dublin", "dublin");
}

const FORMAT_MESSAGE: Testbin = Testbin::plain("format_message");

#[test]
fn format_message() {
    let exe = build(&FORMAT_MESSAGE);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}
