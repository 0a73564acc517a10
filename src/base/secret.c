/* src/base/secret.c - passwords from stdin, a file or the terminal (see secret.h). */
#include "config.h"
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

int secret_take_line(struct secret *s, const char *buf, size_t n)
{
	size_t len = 0;

	while (len < n && buf[len] != '\n' && buf[len] != '\0')
		len++;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len == 0 || len >= sizeof(s->buf))
		return -1;
	memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	s->set = 1;
	return 0;
}

/* Read up to SECRET_MAX+1 bytes or the first newline. */
static int read_line(int fd, char *tmp, size_t cap, size_t *got)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, tmp + n, 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		if (tmp[n++] == '\n')
			break;
	}
	*got = n;
	return 0;
}

static struct {
	char what[32];
	struct secret s;
} presets[SECRET_PRESETS];

int secret_preset(const char *what, const struct secret *s)
{
	for (size_t i = 0; i < SECRET_PRESETS; i++)
		if (!presets[i].what[0] || strcmp(presets[i].what, what) == 0) {
			if (strlen(what) >= sizeof(presets[i].what))
				return -1;
			strcpy(presets[i].what, what);
			presets[i].s = *s;
			return 0;
		}
	return -1;
}

int secret_from_fd(struct secret *s, int fd, const char *what, struct nlt_err *e)
{
	char tmp[SECRET_MAX + 2];
	size_t n = 0;
	int r;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < SECRET_PRESETS; i++)
		if (presets[i].what[0] && strcmp(presets[i].what, what) == 0) {
			*s = presets[i].s;
			return 0;
		}
	if (read_line(fd, tmp, sizeof(tmp), &n) < 0) {
		nlt_wipe(tmp, sizeof(tmp));
		return nlt_seterr(e, NLT_ECONFIG, "reading the %s from standard input: %s", what, strerror(errno));
	}
	r = secret_take_line(s, tmp, n);
	nlt_wipe(tmp, sizeof(tmp));
	if (r < 0)
		return nlt_seterr(e, NLT_EUSAGE, "the %s on standard input is empty or longer than %d bytes", what,
				  SECRET_MAX - 1);
	return 0;
}

int secret_from_file(struct secret *s, const char *path, const char *what, struct nlt_err *e)
{
	char tmp[SECRET_MAX + 2];
	struct stat st;
	size_t n = 0;
	int fd, r;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nlt_seterr(e, NLT_ECONFIG, "cannot open the %s file %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return nlt_seterr(e, NLT_ECONFIG, "the %s file %s is not a regular file", what, path);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return nlt_seterr(e, NLT_ECONFIG, "the %s file %s is accessible to others (mode %03o); chmod 600 it",
				  what, path, (unsigned)(st.st_mode & 0777));
	}
	r = read_line(fd, tmp, sizeof(tmp), &n);
	close(fd);
	if (r < 0) {
		nlt_wipe(tmp, sizeof(tmp));
		return nlt_seterr(e, NLT_ECONFIG, "reading the %s file %s: %s", what, path, strerror(errno));
	}
	r = secret_take_line(s, tmp, n);
	nlt_wipe(tmp, sizeof(tmp));
	if (r < 0)
		return nlt_seterr(e, NLT_ECONFIG, "the %s file %s has an empty or over-long first line", what, path);
	return 0;
}

int secret_from_tty(struct secret *s, const char *prompt, struct nlt_err *e)
{
	struct termios old, quiet;
	char tmp[SECRET_MAX + 2];
	size_t n = 0;
	int fd, r, echo_off;

	memset(s, 0, sizeof(*s));
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return nlt_seterr(e, NLT_EUSAGE, "a password is needed and there is no terminal to ask on; "
						"use --stdin-password, --password-file or -C");
	echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	(void)!write(fd, prompt, strlen(prompt));
	r = read_line(fd, tmp, sizeof(tmp), &n);
	if (echo_off)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	if (r == 0)
		r = secret_take_line(s, tmp, n);
	nlt_wipe(tmp, sizeof(tmp));
	if (r < 0)
		return nlt_seterr(e, NLT_EUSAGE, "no password given at the prompt");
	return 0;
}

void secret_free(struct secret *s)
{
	nlt_wipe(s, sizeof(*s));
}
