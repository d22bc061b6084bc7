//! Download progress bars (stderr; hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};
use renku_lib::dataset_remote::download::DownloadProgress;

/// One bar for the bytes of all files of a download.
pub struct DownloadBar {
    bar: ProgressBar,
    verb: &'static str,
}

impl DownloadBar {
    /// A bar that shows itself once the download starts.
    pub fn new() -> Self {
        Self::with_verb("Downloading")
    }

    /// A bar whose message starts with `verb` (`Uploading`).
    pub fn with_verb(verb: &'static str) -> Self {
        let bar = ProgressBar::hidden();
        DownloadBar { bar, verb }
    }
}

impl DownloadProgress for DownloadBar {
    fn start(&self, total_files: usize, total_bytes: u64) {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return;
        }
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        self.bar.set_length(total_bytes);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        ) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar
            .set_message(format!("{} {total_files} file(s)", self.verb));
    }
    fn file_started(&self, _name: &str, _size: Option<u64>) {}
    fn bytes(&self, _name: &str, n: u64) {
        self.bar.inc(n);
    }
    fn file_done(&self, _name: &str) {}
}

impl Drop for DownloadBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// One bar for the bytes of all files of an export (copied or uploaded); its length grows
/// as files start.
pub struct TransferBar {
    bar: ProgressBar,
    label: &'static str,
}

impl TransferBar {
    /// A bar labelled `label` that shows itself once the first file starts.
    pub fn new(label: &'static str) -> Self {
        TransferBar {
            bar: ProgressBar::hidden(),
            label,
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl renku_lib::dataset_export::ExportProgress for TransferBar {
    fn file_started(&self, name: &str, size: u64) {
        if self.bar.is_hidden() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            ) {
                self.bar.set_style(style.progress_chars("=> "));
            }
        }
        self.bar.inc_length(size);
        self.bar.set_message(format!("{} {name}", self.label));
    }
    fn bytes(&self, _name: &str, bytes: u64) {
        self.bar.inc(bytes);
    }
}
