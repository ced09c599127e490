/* The sampling sequence: ping every device, then (with the sampler) housekeeping, drill, stop, counters. */
#include "flight.h"

#include "board.h"
#include "clock.h"
#include "farside_dictionary.h"
#include "log.h"
#include "sequencer.h"

#define STANDARD_TIMEOUT_MS 3000u
#define STOP_TIMEOUT_MS 15000u
#define SETTLE_TIMEOUT_MS 15000u
#define DEPTH_LOG_EVERY_MS 1000u
#define MAX_STEPS (FS_PING_COUNT * FS_PINGS_PER_DEVICE + 16u)

static step_t steps[MAX_STEPS];
static unsigned step_count;

#ifdef FS_HAVE_SAMPLER
static unsigned sampler_tcs_before_counters; /* TCs to the sampler up to the param-get of commands_accepted */
static bool accepted_read, rejected_read;
static uint32_t accepted_value, rejected_value;
static uint32_t last_depth_log_ms;
static bool depth_logged;
#endif

static step_t *add(int16_t command, uint8_t wait, uint32_t timeout_ms)
{
    step_t *step = &steps[step_count++];
    step->label = command == NO_COMMAND ? "" : fs_commands[command].name;
    step->command = command;
    step->wait = wait;
    step->timeout_ms = timeout_ms;
    return step;
}

#ifdef FS_HAVE_SAMPLER
/* A TM[20,2] holding exactly one parameter, ``id``, of ``size`` octets: its raw value. */
static bool read_parameter(const tm_t *report, uint16_t id, uint32_t size, uint32_t *value)
{
    if (report->app_len != 3u + size || report->app_data[0] != 1u || be_read(&report->app_data[1], 2u) != id) {
        return false;
    }
    *value = be_read(&report->app_data[3], size);
    return true;
}

static void on_accepted_counter(const tm_t *report)
{
    accepted_read = read_parameter(report, FS_SAMPLER_COMMANDS_ACCEPTED_ID, FS_SAMPLER_COMMANDS_ACCEPTED_SIZE,
                                   &accepted_value);
}

static void on_rejected_counter(const tm_t *report)
{
    rejected_read = read_parameter(report, FS_SAMPLER_COMMANDS_REJECTED_ID, FS_SAMPLER_COMMANDS_REJECTED_SIZE,
                                   &rejected_value);
}

static unsigned sampler_tcs_so_far(void)
{
    unsigned count = 0u;
    for (unsigned i = 0; i < step_count; i++) {
        count += steps[i].command != NO_COMMAND && fs_commands[steps[i].command].apid == FS_SAMPLER_APID;
    }
    return count;
}

static void add_sampling(void)
{
    add(FS_CMD_SAMPLER_MODE_OPERATE, WAIT_ACCEPTED | WAIT_COMPLETED, STANDARD_TIMEOUT_MS);
    add(FS_CMD_SAMPLER_HK_INTERVAL_DRILL, WAIT_ACCEPTED | WAIT_COMPLETED, STANDARD_TIMEOUT_MS);
    add(FS_CMD_SAMPLER_HK_ENABLE_DRILL, WAIT_ACCEPTED | WAIT_COMPLETED, STANDARD_TIMEOUT_MS);
    add(FS_CMD_SAMPLER_DRILL_START, WAIT_ACCEPTED, STANDARD_TIMEOUT_MS);
    step_t *watch = add(NO_COMMAND, WAIT_WATCH, FS_DRILL_TIMEOUT_MS);
    watch->label = "watch drill_depth reach the target in housekeeping";
    watch->watch = (watch_t){
        .apid = FS_SAMPLER_APID,
        .sid = FS_SAMPLER_HK_DRILL_SID,
        .count = 2u,
        .checks = {
            {FS_SAMPLER_DRILL_DEPTH_OFFSET, FS_SAMPLER_DRILL_DEPTH_SIZE, CHECK_AT_LEAST,
             FS_SAMPLER_DRILL_DEPTH_TARGET_RAW},
            {FS_SAMPLER_DRILL_STATE_OFFSET, FS_SAMPLER_DRILL_STATE_SIZE, CHECK_EQUALS,
             FS_SAMPLER_DRILL_STATE_AT_TARGET},
        },
    };
    add(FS_CMD_SAMPLER_DRILL_STOP, WAIT_ACCEPTED | WAIT_COMPLETED, STOP_TIMEOUT_MS);
    step_t *get = add(FS_CMD_SAMPLER_GET_COMMANDS_ACCEPTED, WAIT_ACCEPTED | WAIT_REPORT | WAIT_COMPLETED,
                      STANDARD_TIMEOUT_MS);
    get->report_service = FS_TM_PARAMETER_SERVICE;
    get->report_subtype = FS_TM_PARAMETER_REPORT;
    get->on_report = on_accepted_counter;
    sampler_tcs_before_counters = sampler_tcs_so_far();
    get = add(FS_CMD_SAMPLER_GET_COMMANDS_REJECTED, WAIT_ACCEPTED | WAIT_REPORT | WAIT_COMPLETED,
              STANDARD_TIMEOUT_MS);
    get->report_service = FS_TM_PARAMETER_SERVICE;
    get->report_subtype = FS_TM_PARAMETER_REPORT;
    get->on_report = on_rejected_counter;
    add(FS_CMD_SAMPLER_HK_DISABLE_DRILL, WAIT_ACCEPTED | WAIT_COMPLETED, STANDARD_TIMEOUT_MS);
}

static void log_depth(const tm_t *tm)
{
    if (tm->apid != FS_SAMPLER_APID || tm->service != FS_TM_HOUSEKEEPING_SERVICE ||
        tm->subtype != FS_TM_HOUSEKEEPING_REPORT || tm->app_len < FS_SAMPLER_HK_DRILL_SIZE ||
        be_read(tm->app_data, 2u) != FS_SAMPLER_HK_DRILL_SID) {
        return;
    }
    uint32_t now_ms = clock_ms();
    if (depth_logged && now_ms - last_depth_log_ms < DEPTH_LOG_EVERY_MS) {
        return;
    }
    depth_logged = true;
    last_depth_log_ms = now_ms;
    uint32_t um = be_read(&tm->app_data[FS_SAMPLER_DRILL_DEPTH_OFFSET], FS_SAMPLER_DRILL_DEPTH_SIZE) *
                  FS_SAMPLER_DRILL_DEPTH_UM_PER_COUNT;
    text_t *line = log_begin();
    text_str(line, "DEPTH mm=");
    text_u32(line, um / 1000u);
    text_str(line, ".");
    text_u32(line, (um / 100u) % 10u);
    text_str(line, " state=");
    text_u32(line, be_read(&tm->app_data[FS_SAMPLER_DRILL_STATE_OFFSET], FS_SAMPLER_DRILL_STATE_SIZE));
    log_end();
}
#endif

void flight_banner(void)
{
    text_t *line = log_begin();
    text_str(line, "FSW farside reference flight software machine=");
    text_str(line, board_name);
    text_str(line, " devices=" FS_DEVICES " clock_hz=");
    text_u32(line, board_cpu_hz);
    log_end();
}

void flight_start(void)
{
    for (unsigned round = 0; round < FS_PINGS_PER_DEVICE; round++) {
        for (unsigned device = 0; device < FS_PING_COUNT; device++) {
            step_t *ping = add(fs_ping_commands[device], WAIT_ACCEPTED | WAIT_REPORT | WAIT_COMPLETED,
                               STANDARD_TIMEOUT_MS);
            ping->report_service = FS_TM_TEST_SERVICE;
            ping->report_subtype = FS_TM_PONG;
        }
    }
#ifdef FS_HAVE_SAMPLER
    add_sampling();
#endif
    step_t *settle = add(NO_COMMAND, WAIT_ALL_DONE, SETTLE_TIMEOUT_MS);
    settle->label = "every TC completed";
    seq_start(fs_commands, steps, step_count);
}

void flight_on_tm(const tm_t *tm)
{
    if (tm->service == FS_TM_EVENT_SERVICE) {
        text_t *line = log_begin();
        text_str(line, "EVENT apid=0x");
        text_hex(line, tm->apid, 3u);
        text_str(line, " severity=");
        text_u32(line, tm->subtype);
        text_str(line, " id=0x");
        text_hex(line, tm->app_len >= 2u ? be_read(tm->app_data, 2u) : 0u, 4u);
        log_end();
    }
#ifdef FS_HAVE_SAMPLER
    log_depth(tm);
#endif
}

const char *flight_check(void)
{
#ifdef FS_HAVE_SAMPLER
    text_t *line = log_begin();
    text_str(line, "COUNTERS sampler commands_accepted=");
    text_u32(line, accepted_value);
    text_str(line, " commands_rejected=");
    text_u32(line, rejected_value);
    log_end();
    if (!accepted_read || !rejected_read) {
        return "sampler counters: TM[20,2] did not hold the parameter asked for";
    }
    if (rejected_value != 0u) {
        return "sampler counters: commands_rejected is not 0";
    }
    if (accepted_value < sampler_tcs_before_counters) {
        return "sampler counters: commands_accepted is less than the TCs sent";
    }
#endif
    return 0;
}
