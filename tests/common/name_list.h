/*
 * A model listing collected into an array of names, for the code that reads a whole tenant
 * through the public model API: the invariant checker and the snapshot here, the Check unit
 * tests and the fuzz targets. It depends on nothing but model.h, so Check and libFuzzer
 * builds alike can use it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* The number of elements of an array: table-driven tests, name pools. */
#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

struct names {
        size_t count;
        size_t capacity;
        char **items;                   /* in the listing's order */
};

/*
 * Collects a listing into *ret; returns model_list()'s result, or -ENOMEM. *ret holds what was
 * collected, also on failure: free it with names_free() in every case.
 */
int names_collect(struct model *model, enum model_listing listing, const char *a, const char *b,
                  struct names *ret);
void names_free(struct names *names);
bool names_contain(const struct names *names, const char *name);
/* Whether two lists hold the same names, in any order (each list without duplicates). */
bool names_same_set(const struct names *a, const struct names *b);
/* The listing's name in model.h without its prefix ("PRODUCT_HOLDERS"), for messages. */
const char *listing_name(enum model_listing listing);
