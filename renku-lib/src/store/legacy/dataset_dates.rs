//! renku-python's corrections of dataset dates when it migrates old metadata (its
//! `m_0010__metadata_fixes`, applied to YAML-era projects and version-9 databases): in old
//! metadata every version carried its own creation time; renku-python 2.x dates a version
//! by its modification and keeps the first version's creation (or publication) date on all.

use chrono::{DateTime, FixedOffset};

use crate::model::Dataset;

/// Corrects the dates of one dataset's chain of versions (oldest first), as renku-python
/// does: creation dates not before the project's; modification dates from the newest
/// version back (a version's removal or creation time, never after the next version's);
/// the first version's creation and publication dates on every version. Also: a published
/// version has no creation date (the model keeps exactly one), and a removal is never dated
/// before the version it removes.
pub fn fix_chain(versions: &mut [Dataset], project_created: DateTime<FixedOffset>) {
    let fix_created = |d: &mut Dataset| {
        if let Some(created) = d.date_created
            && created < project_created
        {
            let earliest = d
                .files
                .iter()
                .filter(|f| !f.is_removed())
                .map(|f| f.date_added)
                .min();
            d.date_created = Some(earliest.unwrap_or(project_created).max(project_created));
        }
    };
    let mut previous = crate::util::now();
    for d in versions.iter_mut().skip(1).rev() {
        fix_created(d);
        if let Some(m) = d.date_removed.or(d.date_created) {
            let m = if m > previous { previous } else { m };
            d.date_modified = m;
            previous = m;
        }
    }
    let (first_created, first_published) = match versions.first_mut() {
        Some(first) => {
            fix_created(first);
            if let Some(m) = first.date_published.or(first.date_created) {
                first.date_modified = m;
            }
            (first.date_created, first.date_published)
        }
        None => (None, None),
    };
    for (n, d) in versions.iter_mut().enumerate() {
        if n > 0 {
            d.date_created = first_created;
            d.date_published = first_published;
        }
        if d.date_published.is_some() {
            d.date_created = None;
        }
        if let Some(r) = d.date_removed
            && r < d.date_modified
        {
            d.date_removed = Some(d.date_modified);
        }
    }
}
