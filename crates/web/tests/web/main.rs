//! The web layer's behaviour, through the real router, a real SQLite file and, where sockets matter, a
//! real listener. One test binary; `support` builds the app.

mod browser;
mod officer;
mod support;

mod assets;
mod auth;
mod health;
mod landing;
mod language;
mod ledger;
mod logs;
mod security;
mod server;
mod ui_browser;
mod ui_signin;

// The officers' registry pages and the audit log (issue 5, part 5 and 9).
mod audit;
mod audit_more;
mod registry;
mod registry_browser;
mod registry_changes;
mod registry_demo;
mod registry_forms;
// Fuzzy duplicates under different NIKs on the officers' pages (issue 5, part 3).
mod duplicates_fuzzy;

// The agency API (DCI Social Registry; issue 5, part 10).
mod agency;
mod agency_more;

// Passkeys as a sign-in option for officers (issue 5, part 7).
mod passkey;
mod passkey_browser;

// The ways in: proposals CSV upload and agency lists (issue 5, part 2).
mod citizen;
mod citizen_browser;
mod citizen_replies;
mod upload;

// Offline field entry (issue 5, part 6).
mod offline;
mod offline_browser;
mod offline_members;

// Household photos from the field visit (issue 5, photos).
mod photos;

// Programs, targeting runs and appeals (issue 6).
mod targeting;
// The regional needs forecast page and the objection deadline setting (issue 6 part 6, issue 5).
mod forecast;

// Scanning vouchers offline, the hand-over sync, the voucher QR page and the recipient's trail (issue 7).
mod scan;
mod scan_browser;
// The officers' distribution pages and the recipient's account form (issue 7).
mod distribution_pages;
mod distribution_premium;

// The public transparency portal, downloads, DCAT and CKAN (issue 9).
mod opendata;

// Information pages, guidance on the forms, announcements and their Atom feed (issue 8, parts 2 and 5).
mod info;

// The officials' monitoring dashboard (issue 9).
mod monitoring;
mod monitoring_browser;

// Notifications: the inbox and channels page, delivery reports, web push keys (issue 8, part 6).
mod notify;

// Complaints (pengaduan) and ratings of distributions (issue 8, parts 3 and 4).
mod feedback;
mod feedback_browser;

// The status check as JSON, its timing, and the SMS channel (issue 8, parts 1 and 7).
mod sms;
mod status_check;
mod status_check_timing;

// The citizen's status page and the installable app (issue 8, parts 1 and 8).
mod check;
mod check_a11y;
mod check_browser;
mod pwa;
