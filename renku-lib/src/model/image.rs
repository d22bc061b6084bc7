//! Images attached to projects and datasets.

use serde::{Deserialize, Serialize};

/// An image (`schema:ImageObject`): a URL or a repository-relative path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageObject {
    /// `<owner id>/images/<position>`.
    pub id: String,
    /// URL or repository-relative path of the image.
    pub content_url: String,
    /// Position of the image among the owner's images (0-based).
    pub position: u32,
}
