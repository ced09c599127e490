/* Boot, then the main loop: deframe the bus, hand each TM to the flight and the sequencer, sleep; then the verdict. */
#include "board.h"
#include "clock.h"
#include "cm3.h"
#include "flight.h"
#include "link.h"
#include "log.h"
#include "sequencer.h"
#include "uart.h"

static deframer_t bus;
static uint32_t bad_tm;

static void on_packet(const uint8_t *packet, uint32_t len)
{
    tm_t tm;
    if (pus_parse_tm(packet, len, &tm) != TM_OK) {
        bad_tm++;
        return;
    }
    flight_on_tm(&tm);
    seq_on_tm(&tm);
}

static void report(void)
{
    seq_summary_t summary;
    seq_summary(&summary);
    text_t *line = log_begin();
    text_str(line, "LINK packets=");
    text_u32(line, bus.stats.packets);
    text_str(line, " bad_header=");
    text_u32(line, bus.stats.bad_header);
    text_str(line, " bad_crc=");
    text_u32(line, bus.stats.bad_crc);
    text_str(line, " oversize=");
    text_u32(line, bus.stats.oversize);
    text_str(line, " skipped_octets=");
    text_u32(line, bus.stats.skipped);
    text_str(line, " bad_tm=");
    text_u32(line, bad_tm);
    text_str(line, " rx_overruns=");
    text_u32(line, uart_rx_overruns(UART_BUS));
    log_end();
    line = log_begin();
    text_str(line, "TCS sent=");
    text_u32(line, summary.sent);
    text_str(line, " accepted=");
    text_u32(line, summary.accepted);
    text_str(line, " completed=");
    text_u32(line, summary.completed);
    text_str(line, " failure_reports=");
    text_u32(line, summary.failures);
    text_str(line, " elapsed_ms=");
    text_u32(line, clock_ms());
    log_end();
    line = log_begin();
    text_str(line, "RTT_SUMMARY n=");
    text_u32(line, summary.rtt_count);
    text_str(line, " p50_us=");
    text_u32(line, summary.rtt_p50_us);
    text_str(line, " p99_us=");
    text_u32(line, summary.rtt_p99_us);
    log_end();
    const char *why = seq_failure();
    if (why == 0) {
        why = flight_check();
    }
    if (why == 0 && summary.failures != 0u) {
        why = "failure reports came";
    }
    line = log_begin();
    text_str(line, why == 0 ? "VERDICT PASS" : "VERDICT FAIL ");
    if (why != 0) {
        text_str(line, why);
    }
    log_end();
}

int main(void)
{
    board_init();
    clock_init(board_cpu_hz);
    uart_open(UART_BUS, UART_BAUD);
    uart_open(UART_LOG, UART_BAUD);
    irq_enable_all();
    flight_banner();
    flight_start();
    for (;;) {
        uint8_t byte;
        while (uart_read_byte(UART_BUS, &byte)) {
            deframer_feed(&bus, byte, on_packet);
        }
        if (seq_poll()) {
            break;
        }
        wait_for_interrupt(); /* the next octet, or the next millisecond tick */
    }
    report();
    uart_flush(UART_LOG);
    for (;;) {
        wait_for_interrupt();
    }
}
