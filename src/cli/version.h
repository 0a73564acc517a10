/* src/cli/version.h - nltrust --version: what this build is (see version.c). */
#ifndef NLT_VERSION_H
#define NLT_VERSION_H

/* The build's identity on stdout: text, or (json) one document; returns the exit status (0). */
int nlt_version_print(int json);

#endif
