//! ActivityPub routes (actors, collections, objects, inboxes, WebFinger, NodeInfo) and PeerTube's
//! REST API for follows and blocklists, over the core's federation (`ferrotube_app::federation`).

pub mod follows;
pub mod inbox;
pub mod routes;
