/* One telecommand the flight sends: the generated dictionary header fills a table of these. */
#ifndef FSW_COMMAND_H
#define FSW_COMMAND_H

#include <stdint.h>

typedef struct {
    const char *name;         /* "sampler drill-start" */
    uint16_t apid;
    uint8_t service;
    uint8_t subtype;
    const uint8_t *app_data;  /* encoded at build time by farside's dictionary */
    uint16_t app_len;
} command_t;

#endif
