/*
 * src/cli/version.c - nltrust --version / -V: the package version (configure.ac), the
 * source it was built from (git describe --always --dirty when built in a git checkout,
 * else the tarball's .tarball-version; buildver.h, written by tools/buildver.sh on every
 * make and replaced only when it changes), the optional features, and the versions of
 * the libraries it was compiled against (with the running one where the library says).
 */
#include "config.h"
#include "version.h"

#include <json-c/json.h>
#include <json-c/json_c_version.h>
#include <ldap.h>
#include <nettle/version.h>
#include <stdio.h>
#include <string.h>

#include "buildver.h"
#include "output.h"

#define STR_(x) #x
#define STR(x) STR_(x)

struct lib {
	const char *key, *name;
	const char *built;
	char running[32]; /* "" when the library cannot say */
};

static void ldap_running(char *buf, size_t len)
{
	LDAPAPIInfo info;

	memset(&info, 0, sizeof(info));
	info.ldapai_info_version = LDAP_API_INFO_VERSION;
	if (ldap_get_option(NULL, LDAP_OPT_API_INFO, &info) != LDAP_OPT_SUCCESS)
		return;
	snprintf(buf, len, "%d.%d.%d", info.ldapai_vendor_version / 10000, info.ldapai_vendor_version / 100 % 100,
		 info.ldapai_vendor_version % 100);
	if (info.ldapai_extensions) {
		for (char **x = info.ldapai_extensions; *x; x++)
			ldap_memfree(*x);
		ldap_memfree(info.ldapai_extensions);
	}
	ldap_memfree(info.ldapai_vendor_name);
}

static void libs_fill(struct lib l[4])
{
	memset(l, 0, 4 * sizeof(*l));
	l[0] = (struct lib){ "krb5", "MIT krb5", NLT_KRB5_VERSION, "" }; /* no run-time version call */
	l[1] = (struct lib){ "ldap", LDAP_VENDOR_NAME,
			     STR(LDAP_VENDOR_VERSION_MAJOR) "." STR(LDAP_VENDOR_VERSION_MINOR) "." STR(LDAP_VENDOR_VERSION_PATCH), "" };
	ldap_running(l[1].running, sizeof(l[1].running));
	l[2] = (struct lib){ "json-c", "json-c", JSON_C_VERSION, "" };
	snprintf(l[2].running, sizeof(l[2].running), "%s", json_c_version());
	l[3] = (struct lib){ "nettle", "nettle", STR(NETTLE_VERSION_MAJOR) "." STR(NETTLE_VERSION_MINOR), "" };
	snprintf(l[3].running, sizeof(l[3].running), "%d.%d", nettle_version_major(), nettle_version_minor());
}

int nlt_version_print(int json)
{
	struct lib l[4];

	libs_fill(l);
	if (json) {
		struct json_object *o = json_object_new_object(), *b = json_object_new_object();
		struct json_object *f = json_object_new_object(), *libs = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(PACKAGE_NAME));
		json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(b, "source", json_object_new_string(NLT_BUILD_SOURCE));
		json_object_object_add(b, "describe", NLT_BUILD_DESCRIBE[0] ? json_object_new_string(NLT_BUILD_DESCRIBE) : NULL);
		json_object_object_add(o, "build", b);
		json_object_object_add(f, "sanitizers", json_object_new_boolean(NLT_BUILD_SANITIZERS));
		json_object_object_add(f, "fuzzing", json_object_new_boolean(NLT_BUILD_FUZZING));
		json_object_object_add(o, "features", f);
		json_object_object_add(o, "state_dir", json_object_new_string(NLT_STATE_DIR));
		for (int i = 0; i < 4; i++) {
			struct json_object *v = json_object_new_object();
			json_object_object_add(v, "name", json_object_new_string(l[i].name));
			json_object_object_add(v, "built", json_object_new_string(l[i].built));
			json_object_object_add(v, "running", l[i].running[0] ? json_object_new_string(l[i].running) : NULL);
			json_object_object_add(libs, l[i].key, v);
		}
		json_object_object_add(o, "libraries", libs);
		out_json_doc(o);
		out_json_finish(NULL, NULL);
		return 0;
	}
	printf("%s %s", PACKAGE_NAME, PACKAGE_VERSION);
	if (strcmp(NLT_BUILD_SOURCE, "git") == 0)
		printf(" (git %s)\n", NLT_BUILD_DESCRIBE);
	else if (strcmp(NLT_BUILD_SOURCE, "tarball") == 0 && NLT_BUILD_DESCRIBE[0])
		printf(" (tarball, from git %s)\n", NLT_BUILD_DESCRIBE);
	else
		printf(" (build source unknown: no git checkout, no .tarball-version)\n");
	printf("features: %s%s%s\n", NLT_BUILD_SANITIZERS ? "sanitizers (ASan, UBSan)" : "",
	       NLT_BUILD_SANITIZERS && NLT_BUILD_FUZZING ? ", " : "",
	       NLT_BUILD_FUZZING ? "fuzzing (libFuzzer coverage)" : !NLT_BUILD_SANITIZERS ? "none" : "");
	printf("default state directory: %s\n", NLT_STATE_DIR);
	printf("built against:");
	for (int i = 0; i < 4; i++) {
		printf("%s %s %s", i ? "," : "", l[i].name, l[i].built);
		if (l[i].running[0] && strcmp(l[i].running, l[i].built) != 0)
			printf(" (running %s)", l[i].running);
	}
	printf("\n");
	return 0;
}
