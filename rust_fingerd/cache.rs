// SPDX-License-Identifier: GPL-2.0

//! Account files (`/etc/passwd`, `/etc/group`) read once and kept until
//! they change.

use crate::file::MAX_ACCOUNT_FILE;
use crate::vfs::{self, FileData, StatKey};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{new_mutex, Arc, Mutex};

/// A file's contents, cached until it changes.
#[pin_data]
pub(crate) struct CachedFile {
    path: &'static CStr,
    /// The contents and the version of the file they were read from.
    #[pin]
    cache: Mutex<Option<(StatKey, Arc<FileData>)>>,
}

impl CachedFile {
    /// The file at `path`, not read yet.
    pub(crate) fn new(path: &'static CStr) -> impl PinInit<Self> {
        pin_init!(CachedFile {
            path,
            cache <- new_mutex!(None, "rust_fingerd_file_cache"),
        })
    }

    /// The current contents: a `stat` per call, a read when it changed.
    pub(crate) fn get(&self) -> Result<Arc<FileData>> {
        let key = vfs::stat_key(self.path)?;
        if let Some((cached, data)) = &*self.cache.lock() {
            if *cached == key {
                return Ok(data.clone());
            }
        }
        let data = Arc::new(vfs::read_file(self.path, MAX_ACCOUNT_FILE)?, GFP_KERNEL)?;
        *self.cache.lock() = Some((key, data.clone()));
        Ok(data)
    }
}
