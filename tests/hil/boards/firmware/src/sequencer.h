/* The command sequencer: a table of steps, each a TC to send and what to wait for, with a timeout. */
#ifndef FSW_SEQUENCER_H
#define FSW_SEQUENCER_H

#include <stdbool.h>
#include <stdint.h>

#include "command.h"
#include "pus.h"

#define NO_COMMAND (-1)

enum {
    WAIT_ACCEPTED = 1u << 0,  /* TM[1,1] for the step's TC */
    WAIT_COMPLETED = 1u << 1, /* TM[1,7] for the step's TC */
    WAIT_REPORT = 1u << 2,    /* a TM of report_service/report_subtype from the TC's APID, after it was sent */
    WAIT_WATCH = 1u << 3,     /* one housekeeping report passing every check of the watch */
    WAIT_ALL_DONE = 1u << 4,  /* every TC sent so far completed */
};

enum { CHECK_AT_LEAST, CHECK_EQUALS };

typedef struct {
    uint16_t offset; /* octets into the TM[3,25] app data, SID included */
    uint8_t size;    /* unsigned big-endian, 1..4 octets */
    uint8_t op;      /* CHECK_AT_LEAST or CHECK_EQUALS */
    uint32_t value;  /* raw counts */
} check_t;

typedef struct {
    uint16_t apid;
    uint16_t sid;
    uint8_t count;     /* checks that must all hold in one report */
    check_t checks[2];
} watch_t;

typedef struct {
    const char *label;
    int16_t command;   /* index into the command table, or NO_COMMAND */
    uint8_t wait;
    uint8_t report_service;
    uint8_t report_subtype;
    watch_t watch;
    uint32_t timeout_ms;
    void (*on_report)(const tm_t *report); /* the awaited report, for the flight to read */
} step_t;

typedef struct {
    uint32_t sent;
    uint32_t accepted;
    uint32_t completed;
    uint32_t failures; /* TM[1,2], [1,4], [1,6], [1,8] */
    uint32_t rtt_count;
    uint32_t rtt_p50_us;
    uint32_t rtt_p99_us;
} seq_summary_t;

void seq_start(const command_t *commands, const step_t *steps, unsigned count);
void seq_on_tm(const tm_t *tm);
bool seq_poll(void);           /* runs the current step; true once every step passed or one failed */
const char *seq_failure(void); /* NULL when every step passed */
void seq_summary(seq_summary_t *summary);

#endif
