/*
 * src/base/atomicfile.h - crash-safe file replacement, bounded secure reads, and
 * failpoints for crash tests.
 *
 * Writing: the new content goes to a temporary file in the target's own
 * directory (".<name>.nlttmp.<12 hex>", created O_CREAT|O_EXCL|O_NOFOLLOW|
 * O_CLOEXEC with the requested mode, then fchmod'ed to exactly that mode so
 * the umask cannot change it), is written in full, fsynced, closed, renamed
 * over the target, and the directory is fsynced.  Readers therefore see the
 * old file or the new one, never a mix, and after the call returns 0 the new
 * content survives a power cut.  On any failure before the rename the
 * temporary file is unlinked and the target is untouched.  A failure of the
 * final directory fsync is reported although the rename has happened: the
 * new content is in place but may not be durable.
 *
 * A crash (or a failpoint) can leave a temporary file behind; it never
 * shadows the target.  atomicfile_is_temp_name() recognises such names so
 * that the owner of a directory can sweep them (src/base/state.c does so under
 * its lock).
 *
 * Reading: refuses symbolic links (the last component is opened O_NOFOLLOW),
 * anything but a regular file, and files larger than a caller-given bound;
 * optionally refuses files owned by anyone but root or the effective uid and
 * files with any group/other permission bit.  The buffer is NUL-terminated
 * (not counted in the length) and must be released with atomicfile_free(),
 * which wipes it: files read this way may hold secrets.
 *
 * Errors fill a struct nlt_err naming the path and the errno text:
 * NLT_ECONFIG for local file problems, NLT_EINTERNAL for out of memory.
 */
#ifndef NLT_ATOMICFILE_H
#define NLT_ATOMICFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define ATOMICFILE_MODE_DEFAULT 0600

/*
 * Replace path with buf[0..len) atomically.  mode 0 means
 * ATOMICFILE_MODE_DEFAULT.  Returns 0 or -1 (err set).
 */
int atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode, struct nlt_err *err);
/*
 * The same for name (one path component, no '/') inside an open directory;
 * dirpath is used only in error messages.
 */
int atomicfile_write_at(int dirfd, const char *dirpath, const char *name, const void *buf, size_t len,
			mode_t mode, struct nlt_err *err);

/* atomicfile_read() flags */
#define ATOMICFILE_RD_OWNED      0x1u /* owner must be root or the effective uid */
#define ATOMICFILE_RD_PRIVATE    0x2u /* no group or other permission bit at all (0600, 0400 ...) */
#define ATOMICFILE_RD_MISSING_OK 0x4u /* a missing file returns 1 instead of an error */

/*
 * Read at most max bytes of path.  On success returns 0 and sets *out (a
 * heap buffer of *outlen bytes plus a NUL) and *outlen; with
 * ATOMICFILE_RD_MISSING_OK returns 1 when the file does not exist (outputs
 * untouched).  Returns -1 (err set) otherwise.
 */
int atomicfile_read(const char *path, size_t max, unsigned flags, uint8_t **out, size_t *outlen,
		    struct nlt_err *err);
int atomicfile_read_at(int dirfd, const char *dirpath, const char *name, size_t max, unsigned flags,
		       uint8_t **out, size_t *outlen, struct nlt_err *err);
/* Wipe and free a buffer returned by atomicfile_read*(); NULL-safe. */
void atomicfile_free(uint8_t *buf, size_t len);

/* 1 when name is a temporary file left by atomicfile_write*() (".X.nlttmp.<12 hex>"). */
int atomicfile_is_temp_name(const char *name);

/* fsync an open directory; dirpath is for the message.  0 or -1. */
int atomicfile_fsync_dir(int dirfd, const char *dirpath, struct nlt_err *err);

/*
 * Failpoints - A TEST HOOK, compiled into normal builds so that the lab
 * scenarios can crash the real binary between two steps of a password
 * change.  When the environment variable NLT_FAILPOINT equals name, the
 * process writes one line to stderr and calls _exit(99) on the spot: no
 * atexit handlers, no stdio flush, no cleanup, as if it had crashed.  With
 * NLT_FAILPOINT unset this is a getenv() and a return.  Build with
 * -DNLT_DISABLE_FAILPOINTS to compile the hook out.
 *
 * nlt_failpoint_at(name, detail) fires for NLT_FAILPOINT=name and for
 * NLT_FAILPOINT=name:detail, so "atomic-before-rename" stops at the first
 * atomic write and "atomic-before-rename:current" only at the write of the
 * file named current.
 *
 * Points defined here:  atomic-after-write[:NAME]   temp written, not fsynced
 *                       atomic-before-rename[:NAME] temp fsynced and closed
 *                       atomic-after-rename[:NAME]  renamed, directory not fsynced
 * (src/base/state.h lists the state journal's points.)
 */
#define NLT_FAILPOINT_EXIT 99
void nlt_failpoint(const char *name);
void nlt_failpoint_at(const char *name, const char *detail);

#endif
