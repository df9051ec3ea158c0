/*
 * test-vectors: run every vector in the given directories or files through the registered
 * handlers (see vectors.h). Prints one line per failure and per skipped type, then
 * "N passed, N failed"; exits 1 when anything failed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vectors.h"

/* One line per module; a weak table that is not linked in is NULL and ignored. */
static const vector_handler_t *const REGISTRY[] = {
    ilp_vector_handlers,
    stream_vector_handlers,
};

#define MAX_TYPES 256

typedef struct {
    char type[64];
    size_t count;
} skip_t;

typedef struct {
    size_t passed, failed;
    skip_t skipped[MAX_TYPES];
    size_t n_skipped;
    bool verbose;
} run_t;

static vector_fn lookup(const char *type)
{
    for (size_t t = 0; t < sizeof(REGISTRY) / sizeof(REGISTRY[0]); t++) {
        const vector_handler_t *h = REGISTRY[t];
        for (; h != NULL && h->type != NULL; h++)
            if (strcmp(h->type, type) == 0)
                return h->fn;
    }
    return NULL;
}

static void note_skip(run_t *run, const char *type)
{
    for (size_t i = 0; i < run->n_skipped; i++) {
        if (strcmp(run->skipped[i].type, type) == 0) {
            run->skipped[i].count++;
            return;
        }
    }
    if (run->n_skipped == MAX_TYPES)
        return;
    skip_t *s = &run->skipped[run->n_skipped++];
    snprintf(s->type, sizeof(s->type), "%s", type);
    s->count = 1;
}

static void run_vector(run_t *run, const char *file, size_t idx, json_t *vec)
{
    const char *name = json_string_value(json_object_get(vec, "name"));
    const char *type = json_string_value(json_object_get(vec, "type"));
    char label[512];
    snprintf(label, sizeof(label), "%s[%zu] %s", file, idx, name ? name : "(unnamed)");
    if (!json_is_object(vec) || type == NULL) {
        printf("FAIL %s: vector has no \"type\"\n", label);
        run->failed++;
        return;
    }
    vector_fn fn = lookup(type);
    if (fn == NULL) {
        note_skip(run, type);
        return;
    }
    char err[1024] = "";
    int rc = fn(vec, err, sizeof(err));
    if (rc == VEC_PASS) {
        run->passed++;
        if (run->verbose)
            printf("ok   %s\n", label);
    } else if (rc == VEC_SKIP) {
        note_skip(run, type);
        if (run->verbose)
            printf("skip %s: %s\n", label, err);
    } else {
        printf("FAIL %s (%s): %s\n", label, type, err[0] ? err : "failed");
        run->failed++;
    }
}

static void run_file(run_t *run, const char *path)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (root == NULL || !json_is_array(root)) {
        printf("FAIL %s: not a JSON array (%s, line %d)\n", base, root ? "wrong type" : jerr.text,
               jerr.line);
        run->failed++;
        json_decref(root);
        return;
    }
    size_t i;
    json_t *vec;
    json_array_foreach(root, i, vec) run_vector(run, base, i, vec);
    json_decref(root);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(run_t *run, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        printf("FAIL %s: cannot open directory\n", dir);
        run->failed++;
        return;
    }
    char *names[1024];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 1024) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        run_file(run, path);
        free(names[i]);
    }
}

int main(int argc, char **argv)
{
    static run_t run;
    int first = 1;
    if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--verbose") == 0)) {
        run.verbose = true;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-v] DIR|FILE.json...\n", argv[0]);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            run_dir(&run, argv[i]);
        else
            run_file(&run, argv[i]);
    }
    for (size_t i = 0; i < run.n_skipped; i++)
        printf("skipped type %s: %zu vectors\n", run.skipped[i].type, run.skipped[i].count);
    printf("%zu passed, %zu failed\n", run.passed, run.failed);
    return run.failed ? 1 : 0;
}
