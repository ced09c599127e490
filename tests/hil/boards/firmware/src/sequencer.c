/* Runs the step table: sends each step's TC, follows its verification reports, times out, measures RTTs. */
#include "sequencer.h"

#include "board.h"
#include "clock.h"
#include "link.h"
#include "log.h"

#define MAX_REQUESTS 64u
#define MAX_APIDS 8u
#define SOURCE_ID 1u /* this flight software, as the TC's source */

enum { REPORT_ACCEPT_OK = 1, REPORT_COMPLETE_OK = 7 };

typedef struct {
    uint8_t id[PUS_REQUEST_ID_SIZE]; /* packet ID and sequence control of the TC */
    int16_t command;
    uint32_t sent_us;
    bool accepted;
    bool completed;
} request_t;

static const command_t *commands;
static const step_t *steps;
static unsigned step_count, current;
static bool step_started, report_seen, watch_met;
static uint32_t step_start_us;
static int step_request;

static request_t requests[MAX_REQUESTS];
static unsigned request_count;
static uint16_t apids[MAX_APIDS], seq_counts[MAX_APIDS];
static unsigned apid_count;
static uint32_t rtts[MAX_REQUESTS];
static unsigned rtt_count;
static uint32_t accepted_count, completed_count, failure_count;

static char failure_buffer[128];
static text_t failure;

static uint16_t next_seq_count(uint16_t apid)
{
    for (unsigned i = 0; i < apid_count; i++) {
        if (apids[i] == apid) {
            return seq_counts[i]++;
        }
    }
    if (apid_count < MAX_APIDS) {
        apids[apid_count] = apid;
        seq_counts[apid_count] = 1u;
        apid_count++;
    }
    return 0u;
}

static int send(int16_t index)
{
    static uint8_t packet[PUS_TC_OVERHEAD + 256u];
    const command_t *command = &commands[index];
    if (request_count >= MAX_REQUESTS || command->app_len > 256u) {
        return -1;
    }
    uint32_t len = pus_build_tc(packet, command->apid, next_seq_count(command->apid), command->service,
                                command->subtype, SOURCE_ID, command->app_data, command->app_len);
    request_t *request = &requests[request_count];
    for (unsigned i = 0; i < PUS_REQUEST_ID_SIZE; i++) {
        request->id[i] = packet[i];
    }
    request->command = index;
    request->accepted = request->completed = false;
    request->sent_us = clock_us();
    link_send(UART_BUS, packet, len);
    return (int)request_count++;
}

static request_t *find_request(const uint8_t *id)
{
    for (unsigned i = request_count; i-- > 0u;) {
        bool same = true;
        for (unsigned k = 0; k < PUS_REQUEST_ID_SIZE; k++) {
            same = same && requests[i].id[k] == id[k];
        }
        if (same) {
            return &requests[i];
        }
    }
    return 0;
}

static void fail(const char *label, const char *why)
{
    if (failure.used == 0u) {
        text_str(&failure, label);
        text_str(&failure, ": ");
        text_str(&failure, why);
    }
}

static void on_verification(const tm_t *tm, uint32_t now_us)
{
    if (tm->app_len < PUS_REQUEST_ID_SIZE) {
        return;
    }
    request_t *request = find_request(tm->app_data);
    const char *name = request ? commands[request->command].name : "unknown request";
    if (tm->subtype == REPORT_ACCEPT_OK && request && !request->accepted) {
        request->accepted = true;
        accepted_count++;
        uint32_t rtt = now_us - request->sent_us;
        if (rtt_count < MAX_REQUESTS) {
            rtts[rtt_count++] = rtt;
        }
        text_t *line = log_begin();
        text_str(line, "RTT ");
        text_u32(line, rtt);
        log_end();
    } else if (tm->subtype == REPORT_COMPLETE_OK && request && !request->completed) {
        request->completed = true;
        completed_count++;
    } else if ((tm->subtype & 1u) == 0u) { /* 2, 4, 6, 8: a failure report */
        failure_count++;
        uint32_t code = tm->app_len >= PUS_REQUEST_ID_SIZE + 2u ? be_read(&tm->app_data[4], 2u) : 0u;
        char why_buffer[48];
        text_t why;
        text_init(&why, why_buffer, sizeof why_buffer);
        text_str(&why, "TM[1,");
        text_u32(&why, tm->subtype);
        text_str(&why, "] failure code ");
        text_u32(&why, code);
        text_t *line = log_begin();
        text_str(line, "FAILURE ");
        text_str(line, name);
        text_str(line, " ");
        text_str(line, why_buffer);
        log_end();
        fail(name, why_buffer);
    }
}

static bool watch_passes(const watch_t *watch, const tm_t *tm)
{
    if (tm->service != 3u || tm->subtype != 25u || tm->apid != watch->apid || tm->app_len < 2u ||
        be_read(tm->app_data, 2u) != watch->sid) {
        return false;
    }
    for (unsigned i = 0; i < watch->count; i++) {
        const check_t *check = &watch->checks[i];
        if (tm->app_len < (uint32_t)check->offset + check->size) {
            return false;
        }
        uint32_t value = be_read(&tm->app_data[check->offset], check->size);
        if (check->op == CHECK_EQUALS ? value != check->value : value < check->value) {
            return false;
        }
    }
    return true;
}

static void on_report(const tm_t *tm)
{
    const step_t *step = &steps[current];
    if ((step->wait & WAIT_REPORT) && step_request >= 0 && !report_seen &&
        tm->service == step->report_service && tm->subtype == step->report_subtype &&
        tm->apid == commands[step->command].apid) {
        report_seen = true;
        if (step->on_report) {
            step->on_report(tm);
        }
    }
    if ((step->wait & WAIT_WATCH) && watch_passes(&step->watch, tm)) {
        watch_met = true;
    }
}

void seq_start(const command_t *command_table, const step_t *step_table, unsigned count)
{
    commands = command_table;
    steps = step_table;
    step_count = count;
    current = 0u;
    step_started = false;
    text_init(&failure, failure_buffer, sizeof failure_buffer);
}

void seq_on_tm(const tm_t *tm)
{
    uint32_t now_us = clock_us();
    if (tm->service == 1u) {
        on_verification(tm, now_us);
    } else if (step_started && current < step_count) {
        on_report(tm);
    }
}

static bool all_done(void)
{
    for (unsigned i = 0; i < request_count; i++) {
        if (!requests[i].completed) {
            return false;
        }
    }
    return true;
}

static void log_step(const step_t *step, const char *what, uint32_t elapsed_us)
{
    text_t *line = log_begin();
    text_str(line, "STEP ");
    text_u32(line, current + 1u);
    text_str(line, "/");
    text_u32(line, step_count);
    text_str(line, " ");
    text_str(line, step->label);
    text_str(line, " ");
    text_str(line, what);
    if (elapsed_us != 0u) {
        text_str(line, " ms=");
        text_u32(line, elapsed_us / 1000u);
    }
    log_end();
}

bool seq_poll(void)
{
    if (failure.used != 0u || current >= step_count) {
        return true;
    }
    const step_t *step = &steps[current];
    uint32_t now_us = clock_us();
    if (!step_started) {
        step_started = true;
        report_seen = watch_met = false;
        step_start_us = now_us;
        log_step(step, "begin", 0u);
        step_request = step->command == NO_COMMAND ? -1 : send(step->command);
        if (step->command != NO_COMMAND && step_request < 0) {
            fail(step->label, "too many requests");
            return true;
        }
        return false;
    }
    const request_t *request = step_request >= 0 ? &requests[step_request] : 0;
    const char *missing = 0;
    if ((step->wait & WAIT_ACCEPTED) && !(request && request->accepted)) {
        missing = "no TM[1,1]";
    } else if ((step->wait & WAIT_REPORT) && !report_seen) {
        missing = "no report";
    } else if ((step->wait & WAIT_COMPLETED) && !(request && request->completed)) {
        missing = "no TM[1,7]";
    } else if ((step->wait & WAIT_WATCH) && !watch_met) {
        missing = "housekeeping never reached the threshold";
    } else if ((step->wait & WAIT_ALL_DONE) && !all_done()) {
        missing = "a TC never completed";
    }
    if (missing == 0) {
        log_step(step, "ok", now_us - step_start_us);
        current++;
        step_started = false;
        return current >= step_count;
    }
    if (now_us - step_start_us >= step->timeout_ms * 1000u) {
        char why_buffer[96];
        text_t why;
        text_init(&why, why_buffer, sizeof why_buffer);
        text_str(&why, missing);
        text_str(&why, " within ");
        text_u32(&why, step->timeout_ms);
        text_str(&why, " ms");
        log_step(step, "timeout", now_us - step_start_us);
        fail(step->label, why_buffer);
        return true;
    }
    return false;
}

const char *seq_failure(void) { return failure.used ? failure_buffer : 0; }

static uint32_t percentile(const uint32_t *sorted, unsigned n, unsigned pct)
{
    unsigned rank = (pct * n + 99u) / 100u; /* nearest rank */
    return sorted[rank > 0u ? rank - 1u : 0u];
}

void seq_summary(seq_summary_t *summary)
{
    static uint32_t sorted[MAX_REQUESTS];
    for (unsigned i = 0; i < rtt_count; i++) {
        uint32_t value = rtts[i];
        unsigned k = i;
        while (k > 0u && sorted[k - 1u] > value) {
            sorted[k] = sorted[k - 1u];
            k--;
        }
        sorted[k] = value;
    }
    summary->sent = request_count;
    summary->accepted = accepted_count;
    summary->completed = completed_count;
    summary->failures = failure_count;
    summary->rtt_count = rtt_count;
    summary->rtt_p50_us = rtt_count ? percentile(sorted, rtt_count, 50u) : 0u;
    summary->rtt_p99_us = rtt_count ? percentile(sorted, rtt_count, 99u) : 0u;
}
