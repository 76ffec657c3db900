/*
 * errbuf.h - the error buffer pure modules fill instead of logging: a
 * caller-owned char array and its size. NULL or size 0 means "no message
 * wanted". One definition for every module that reports this way.
 */
#ifndef MTLSVPN_ERRBUF_H
#define MTLSVPN_ERRBUF_H

#include <stddef.h>

void errbuf_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
