/* src/base/atomicfile.c - crash-safe file replacement, secure reads, failpoints (see atomicfile.h). */
#include "config.h"
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define TEMP_MARK ".nlttmp."
#define TEMP_RAND_HEX 12
#define TEMP_TRIES 8

/* ---- failpoints ------------------------------------------------------ */

static void failpoint_fire(const char *spec)
{
	static const char pre[] = "nltrust: failpoint ";
	static const char post[] = " reached: exiting 99 (NLT_FAILPOINT test hook)\n";
	ssize_t r;

	/* write(2) only: no stdio, no allocation, nothing that could run cleanup */
	r = write(STDERR_FILENO, pre, sizeof(pre) - 1);
	r = write(STDERR_FILENO, spec, strlen(spec));
	r = write(STDERR_FILENO, post, sizeof(post) - 1);
	(void)r;
	_exit(NLT_FAILPOINT_EXIT);
}

void nlt_failpoint_at(const char *name, const char *detail)
{
#ifndef NLT_DISABLE_FAILPOINTS
	const char *fp = getenv("NLT_FAILPOINT");
	size_t n;

	if (!fp || !*fp || !name)
		return;
	n = strlen(name);
	if (strncmp(fp, name, n) != 0)
		return;
	if (fp[n] == '\0' || (detail && fp[n] == ':' && strcmp(fp + n + 1, detail) == 0))
		failpoint_fire(fp);
#else
	(void)name;
	(void)detail;
#endif
}

void nlt_failpoint(const char *name)
{
	nlt_failpoint_at(name, NULL);
}

/* ---- helpers --------------------------------------------------------- */

static int err_io(struct nlt_err *err, int e, const char *what, const char *dirpath, const char *name)
{
	if (e == ENOMEM)
		return nlt_seterr(err, NLT_EINTERNAL, "%s %s/%s: out of memory", what, dirpath, name);
	return nlt_seterr(err, NLT_ECONFIG, "%s %s/%s: %s", what, dirpath, name, strerror(e));
}

/* Valid single path component for the *_at functions. */
static int name_ok(const char *name)
{
	return name && *name && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) <= NAME_MAX;
}

/* Split path into an opened parent directory and its last component. */
static int open_parent(const char *path, char *dirbuf, size_t dirlen, const char **name, int *eno,
		       struct nlt_err *err)
{
	const char *slash = strrchr(path, '/');
	int fd;

	*eno = 0;
	if (!slash) {
		nlt_strlcpy(dirbuf, ".", dirlen);
		*name = path;
	} else {
		size_t n = (size_t)(slash - path);
		if (n == 0)
			n = 1; /* "/name": the parent is "/" */
		if (n >= dirlen)
			return nlt_seterr(err, NLT_ECONFIG, "%s: path too long", path);
		memcpy(dirbuf, path, n);
		dirbuf[n] = '\0';
		*name = slash + 1;
	}
	if (!name_ok(*name))
		return nlt_seterr(err, NLT_ECONFIG, "%s: not a file name", path);
	fd = open(dirbuf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*eno = errno;
		return nlt_seterr(err, NLT_ECONFIG, "cannot open directory %s: %s", dirbuf, strerror(*eno));
	}
	return fd;
}

int atomicfile_is_temp_name(const char *name)
{
	size_t n, mark = sizeof(TEMP_MARK) - 1;

	if (!name || name[0] != '.')
		return 0;
	n = strlen(name);
	/* "." + at least one byte of the target name + mark + hex */
	if (n < 2 + mark + TEMP_RAND_HEX)
		return 0;
	if (memcmp(name + n - TEMP_RAND_HEX - mark, TEMP_MARK, mark) != 0)
		return 0;
	for (size_t i = n - TEMP_RAND_HEX; i < n; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

int atomicfile_fsync_dir(int dirfd, const char *dirpath, struct nlt_err *err)
{
	if (fsync(dirfd) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS)
		return nlt_seterr(err, NLT_ECONFIG, "cannot fsync directory %s: %s", dirpath, strerror(errno));
	return 0;
}

/* ---- writing --------------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int atomicfile_write_at(int dirfd, const char *dirpath, const char *name, const void *buf, size_t len,
			mode_t mode, struct nlt_err *err)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[NAME_MAX + 1];
	int fd = -1, ret = -1, tmp_made = 0, e;
	const char *step = "";

	if (mode == 0)
		mode = ATOMICFILE_MODE_DEFAULT;
	if (!name_ok(name))
		return nlt_seterr(err, NLT_EINTERNAL, "atomic write in %s: bad file name", dirpath);
	if (1 + strlen(name) + sizeof(TEMP_MARK) - 1 + TEMP_RAND_HEX > NAME_MAX)
		return nlt_seterr(err, NLT_ECONFIG, "cannot write %s/%s: name too long for a temporary file",
				  dirpath, name);

	for (int tries = 0; fd < 0; tries++) {
		uint8_t rnd[TEMP_RAND_HEX / 2];
		int n;

		if (nlt_random(rnd, sizeof(rnd)) != 0)
			return err_io(err, errno, "cannot write (no randomness for a temporary name)", dirpath,
				      name);
		n = snprintf(tmp, sizeof(tmp), "." "%s" TEMP_MARK, name);
		if (n < 0 || (size_t)n + TEMP_RAND_HEX >= sizeof(tmp))
			return nlt_seterr(err, NLT_EINTERNAL, "cannot write %s/%s: temp name", dirpath, name);
		for (size_t i = 0; i < sizeof(rnd); i++) {
			tmp[n + 2 * (int)i] = hex[rnd[i] >> 4];
			tmp[n + 2 * (int)i + 1] = hex[rnd[i] & 15];
		}
		tmp[n + TEMP_RAND_HEX] = '\0';
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && (errno != EEXIST || tries + 1 >= TEMP_TRIES))
			return nlt_seterr(err, NLT_ECONFIG, "cannot write %s/%s: create %s: %s", dirpath, name,
					  tmp, strerror(errno));
	}
	tmp_made = 1;

	/* exactly mode, whatever the umask */
	step = "chmod";
	if (fchmod(fd, mode) != 0)
		goto fail;
	step = "write";
	if (write_all(fd, buf, len) != 0)
		goto fail;
	nlt_failpoint_at("atomic-after-write", name);
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail;
	step = "close";
	e = close(fd);
	fd = -1;
	if (e != 0)
		goto fail;
	nlt_failpoint_at("atomic-before-rename", name);
	step = "rename";
	if (renameat(dirfd, tmp, dirfd, name) != 0)
		goto fail;
	tmp_made = 0;
	nlt_failpoint_at("atomic-after-rename", name);
	if (atomicfile_fsync_dir(dirfd, dirpath, err) != 0)
		goto out;
	ret = 0;
	goto out;

fail:
	e = errno;
	nlt_seterr(err, e == ENOMEM ? NLT_EINTERNAL : NLT_ECONFIG, "cannot write %s/%s: %s %s: %s", dirpath,
		   name, step, tmp, strerror(e));
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlinkat(dirfd, tmp, 0);
	return ret;
}

int atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode, struct nlt_err *err)
{
	char dir[PATH_MAX];
	const char *name = NULL;
	int dfd, ret, eno;

	if ((dfd = open_parent(path, dir, sizeof(dir), &name, &eno, err)) < 0)
		return -1;
	ret = atomicfile_write_at(dfd, dir, name, buf, len, mode, err);
	close(dfd);
	return ret;
}

/* ---- reading --------------------------------------------------------- */

void atomicfile_free(uint8_t *buf, size_t len)
{
	if (!buf)
		return;
	nlt_wipe(buf, len + 1);
	free(buf);
}

int atomicfile_read_at(int dirfd, const char *dirpath, const char *name, size_t max, unsigned flags,
		       uint8_t **out, size_t *outlen, struct nlt_err *err)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int fd, ret = -1;

	if (!name_ok(name))
		return nlt_seterr(err, NLT_EINTERNAL, "read in %s: bad file name", dirpath);
	/* O_NONBLOCK: a FIFO planted under the name must not hang us */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && (flags & ATOMICFILE_RD_MISSING_OK))
			return 1;
		if (errno == ELOOP)
			return nlt_seterr(err, NLT_ECONFIG, "refusing %s/%s: it is a symbolic link", dirpath, name);
		return err_io(err, errno, "cannot open", dirpath, name);
	}
	if (fstat(fd, &sb) != 0) {
		err_io(err, errno, "cannot stat", dirpath, name);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		nlt_seterr(err, NLT_ECONFIG, "refusing %s/%s: not a regular file", dirpath, name);
		goto out;
	}
	if ((flags & ATOMICFILE_RD_OWNED) && sb.st_uid != 0 && sb.st_uid != geteuid()) {
		nlt_seterr(err, NLT_ECONFIG, "refusing %s/%s: owned by uid %lu, not root or uid %lu", dirpath,
			   name, (unsigned long)sb.st_uid, (unsigned long)geteuid());
		goto out;
	}
	if ((flags & ATOMICFILE_RD_PRIVATE) && (sb.st_mode & 077) != 0) {
		nlt_seterr(err, NLT_ECONFIG, "refusing %s/%s: mode %04o gives access to group or others "
			   "(expected 0600)", dirpath, name, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	if (sb.st_size < 0 || (uintmax_t)sb.st_size > max) {
		nlt_seterr(err, NLT_ECONFIG, "refusing %s/%s: %jd bytes, more than the %zu allowed", dirpath,
			   name, (intmax_t)sb.st_size, max);
		goto out;
	}
	/* one spare byte detects a file that grew since fstat, one more for the NUL */
	cap = (size_t)sb.st_size + 1;
	if (!(buf = malloc(cap + 1))) {
		nlt_seterr(err, NLT_EINTERNAL, "cannot read %s/%s: out of memory", dirpath, name);
		goto out;
	}
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err_io(err, errno, "cannot read", dirpath, name);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		nlt_seterr(err, NLT_ECONFIG, "cannot read %s/%s: it changed while being read", dirpath, name);
		goto out;
	}
	buf[n] = '\0';
	*out = buf; /* transferred */
	*outlen = n;
	buf = NULL;
	ret = 0;
out:
	if (buf) {
		nlt_wipe(buf, cap + 1);
		free(buf);
	}
	close(fd);
	return ret;
}

int atomicfile_read(const char *path, size_t max, unsigned flags, uint8_t **out, size_t *outlen,
		    struct nlt_err *err)
{
	char dir[PATH_MAX];
	const char *name = NULL;
	int dfd, ret, eno;

	if ((dfd = open_parent(path, dir, sizeof(dir), &name, &eno, err)) < 0) {
		if (eno == ENOENT && (flags & ATOMICFILE_RD_MISSING_OK)) {
			nlt_clearerr(err);
			return 1;
		}
		return -1;
	}
	ret = atomicfile_read_at(dfd, dir, name, max, flags, out, outlen, err);
	close(dfd);
	return ret;
}
