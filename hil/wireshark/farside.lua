-- farside.lua: Wireshark dissectors for farside's PUS-C space packets, TM transfer frames, CADUs, TC frames and CLTUs.
--
-- Install with `farside wireshark --install` (or copy this file to ~/.local/lib/wireshark/plugins/), or load it once
-- with `tshark -X lua_script:farside.lua`. Written for Wireshark 4.0 (Lua 5.2) and later.
--
--   farside.pus   a postdissector: after Wireshark's own `ccsds` dissector has read the primary header of a space
--                 packet, it reads the PUS-C secondary header (ECSS-E-ST-70-41C) farside writes: service, subtype,
--                 message counter and destination (TM) or acknowledgement flags and source (TC), the CUC time
--                 (4 coarse + 2 fine octets, 1958 TAI) and the packet's CRC-16. The built-in `ccsds` dissector
--                 reads the secondary header as the ISS format; this tree is the one to trust for farside.
--   farside.tm    a TM transfer frame (CCSDS 132.0-B): header, the packets it starts, OCF (CLCW) and FECF; a packet
--                 that runs on from earlier frames of its virtual channel is reassembled in the frame that ends it.
--   farside.cadu  a CADU: sync marker 1ACFFC1D, then a TM frame, randomized or not, with or without Reed-Solomon
--                 check symbols (worked out from the frame's own FECF, as farside's CADU reader does).
--   farside.tc    a TC transfer frame (CCSDS 232.0-B): header, segment header, packet or control command, FECF.
--   farside.cltu  a CLTU (CCSDS 231.0-B): start sequence, BCH(63,56) codeblocks checked, tail; the TC frame inside,
--                 derandomized when it is randomized.
--
-- A pcapng file whose packets are exported PDUs (link type 252) naming `farside.cadu` or `farside.cltu` is
-- dissected with no preference: `farside wireshark --capture FILE -o OUT.pcapng` writes one from a CADU file.

local bit = bit32 or bit
local band, bor, bxor, rshift, lshift = bit.band, bit.bor, bit.bxor, bit.rshift, bit.lshift

-- Loaded twice (installed as a plugin and given again with -X lua_script:), the copy that runs second stops here:
-- Wireshark refuses a second protocol of the same name, and the first copy's dissectors are already registered.
do
    local found, loaded = pcall(Dissector.get, "farside.pus")
    if found and loaded then return end
end

local ccsds_dissector = Dissector.get("ccsds")
local helper = Proto("farside", "farside")
local ccsds_stopped = ProtoExpert.new("farside.ccsds_stopped",
    "Wireshark's ccsds dissector stopped on this packet (it reads an ISS secondary header); see farside PUS-C",
    expert.group.MALFORMED, expert.severity.NOTE)
helper.experts = { ccsds_stopped }

-- CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as the FECF and the PUS packet error control use.
local function crc16(tvb_range)
    local crc = 0xFFFF
    for i = 0, tvb_range:len() - 1 do
        crc = bxor(crc, lshift(tvb_range:range(i, 1):uint(), 8))
        for _ = 1, 8 do
            if band(crc, 0x8000) ~= 0 then
                crc = band(bxor(lshift(crc, 1), 0x1021), 0xFFFF)
            else
                crc = band(lshift(crc, 1), 0xFFFF)
            end
        end
    end
    return crc
end

-- One period (255 octets) of a CCSDS pseudo-randomizer: an LFSR from eight 1 bits, a(k+8) = XOR of a(k+t), t in taps.
local function lfsr_sequence(taps)
    local bits = { 1, 1, 1, 1, 1, 1, 1, 1 }
    while #bits < 255 * 8 do
        local k, value = #bits - 8, 0
        for _, tap in ipairs(taps) do
            value = bxor(value, bits[k + tap + 1])
        end
        bits[#bits + 1] = value
    end
    local octets = {}
    for i = 0, 254 do
        local octet = 0
        for j = 1, 8 do
            octet = bor(lshift(octet, 1), bits[8 * i + j])
        end
        octets[i + 1] = octet
    end
    return octets
end

local TM_SEQUENCE = lfsr_sequence({ 0, 3, 5, 7 })        -- h(x) = x^8 + x^7 + x^5 + x^3 + 1: FF 48 0E C0 ...
local TC_SEQUENCE = lfsr_sequence({ 0, 1, 2, 3, 4, 6 })  -- h(x) = x^8 + x^6 + x^4 + x^3 + x^2 + x + 1: FF 39 9E ...

-- The octets of a TvbRange XOR a randomizer sequence, as a ByteArray.
local function derandomize(tvb_range, sequence)
    local out = ByteArray.new()
    out:set_size(tvb_range:len())
    for i = 0, tvb_range:len() - 1 do
        out:set_index(i, bxor(tvb_range:range(i, 1):uint(), sequence[(i % 255) + 1]))
    end
    return out
end

---------------------------------------------------------------------------------------------------------------------
-- farside.pus: the PUS-C secondary header after Wireshark's ccsds primary header

local pus = Proto("farside.pus", "farside PUS-C")
local TIME_REFS = { [0] = "no time reference" }
local pf = {
    version = ProtoField.uint8("farside.pus.version", "PUS version", base.DEC, nil, 0xF0),
    time_ref = ProtoField.uint8("farside.pus.time_ref", "Spacecraft time reference status", base.DEC, TIME_REFS, 0x0F),
    ack = ProtoField.uint8("farside.pus.ack", "Acknowledgement flags", base.HEX, nil, 0x0F),
    service = ProtoField.uint8("farside.pus.service", "Service type", base.DEC),
    subtype = ProtoField.uint8("farside.pus.subtype", "Service subtype", base.DEC),
    msg_counter = ProtoField.uint16("farside.pus.msg_counter", "Message type counter", base.DEC),
    destination = ProtoField.uint16("farside.pus.destination", "Destination ID", base.DEC),
    source = ProtoField.uint16("farside.pus.source", "Source ID", base.DEC),
    cuc_coarse = ProtoField.uint32("farside.pus.cuc_coarse", "CUC coarse time (s since 1958 TAI)", base.DEC),
    cuc_fine = ProtoField.uint16("farside.pus.cuc_fine", "CUC fine time (2^-16 s)", base.DEC),
    time = ProtoField.absolute_time("farside.pus.time", "Packet time (UTC, TAI-UTC = 37 s)", base.UTC),
    data = ProtoField.bytes("farside.pus.data", "Application data"),
    crc = ProtoField.uint16("farside.pus.crc", "Packet error control (CRC-16)", base.HEX),
    crc_good = ProtoField.bool("farside.pus.crc_good", "CRC good"),
}
pus.fields = pf
local pus_bad_crc = ProtoExpert.new("farside.pus.bad_crc", "PUS packet CRC does not match",
    expert.group.CHECKSUM, expert.severity.ERROR)
pus.experts = { pus_bad_crc }

local TAI_1958_TO_UNIX_UTC = 378691200 + 37  -- 1958-01-01 to 1970-01-01, then TAI-UTC since 2017

local f_ccsds = Field.new("ccsds")

-- The PUS-C secondary header, data and CRC of one space packet (its whole octets in `packet`).
local function dissect_pus(packet, tree)
    local size = packet:len()
    if size < 7 then return end
    local first = packet:range(0, 2):uint()
    local apid = band(first, 0x7FF)
    local is_tc = band(first, 0x1000) ~= 0
    if band(first, 0x0800) == 0 or apid == 0x7FF then return end  -- no secondary header, or an idle packet
    if rshift(packet:range(6, 1):uint(), 4) ~= 2 then return end   -- not PUS-C
    local head = is_tc and 5 or 13
    if size < 6 + head + 2 then return end
    local sub = tree:add(pus, packet:range(0, size),
        string.format("farside PUS-C %s[%d,%d]", is_tc and "TC" or "TM",
            packet:range(7, 1):uint(), packet:range(8, 1):uint()))
    sub:add(pf.version, packet:range(6, 1))
    if is_tc then
        sub:add(pf.ack, packet:range(6, 1))
    else
        sub:add(pf.time_ref, packet:range(6, 1))
    end
    sub:add(pf.service, packet:range(7, 1))
    sub:add(pf.subtype, packet:range(8, 1))
    if is_tc then
        sub:add(pf.source, packet:range(9, 2))
    else
        sub:add(pf.msg_counter, packet:range(9, 2))
        sub:add(pf.destination, packet:range(11, 2))
        local coarse, fine = packet:range(13, 4):uint(), packet:range(17, 2):uint()
        sub:add(pf.cuc_coarse, packet:range(13, 4))
        sub:add(pf.cuc_fine, packet:range(17, 2))
        sub:add(pf.time, packet:range(13, 6),
            NSTime.new(coarse - TAI_1958_TO_UNIX_UTC, math.floor(fine * 1000000000 / 65536)))
    end
    if size > 6 + head + 2 then
        sub:add(pf.data, packet:range(6 + head, size - 6 - head - 2))
    end
    local crc_item = sub:add(pf.crc, packet:range(size - 2, 2))
    local good = crc16(packet:range(0, size)) == 0
    sub:add(pf.crc_good, good):set_generated()
    if not good then crc_item:add_proto_expert_info(pus_bad_crc) end
end

function pus.dissector(_, pinfo, tree)
    local found = { f_ccsds() }
    for _, field in ipairs(found) do
        local whole = field.range
        if whole ~= nil and whole:len() >= 6 then
            local length = whole:range(4, 2):uint() + 7
            if whole:len() >= length then
                dissect_pus(whole:range(0, length):tvb(), tree)
            end
        end
    end
end

register_postdissector(pus, true)

---------------------------------------------------------------------------------------------------------------------
-- CLCW (the TM frame's OCF)

local clcw = Proto("farside.clcw", "farside CLCW")
local cf = {
    word = ProtoField.uint32("farside.clcw.word", "CLCW", base.HEX),
    type = ProtoField.uint32("farside.clcw.type", "Control word type", base.DEC, nil, 0x80000000),
    version = ProtoField.uint32("farside.clcw.version", "CLCW version", base.DEC, nil, 0x60000000),
    status = ProtoField.uint32("farside.clcw.status", "Status field", base.DEC, nil, 0x1C000000),
    cop = ProtoField.uint32("farside.clcw.cop", "COP in effect", base.DEC, nil, 0x03000000),
    vcid = ProtoField.uint32("farside.clcw.vcid", "Virtual channel", base.DEC, nil, 0x00FC0000),
    no_rf = ProtoField.uint32("farside.clcw.no_rf", "No RF available", base.DEC, nil, 0x00008000),
    no_lock = ProtoField.uint32("farside.clcw.no_bit_lock", "No bit lock", base.DEC, nil, 0x00004000),
    lockout = ProtoField.uint32("farside.clcw.lockout", "Lockout", base.DEC, nil, 0x00002000),
    wait = ProtoField.uint32("farside.clcw.wait", "Wait", base.DEC, nil, 0x00001000),
    retransmit = ProtoField.uint32("farside.clcw.retransmit", "Retransmit", base.DEC, nil, 0x00000800),
    farm_b = ProtoField.uint32("farside.clcw.farm_b", "FARM-B counter", base.DEC, nil, 0x00000600),
    report = ProtoField.uint32("farside.clcw.report", "Report value V(R)", base.DEC, nil, 0x000000FF),
}
clcw.fields = cf

local function dissect_clcw(range, tree)
    local sub = tree:add(clcw, range)
    sub:add(cf.word, range)
    for _, name in ipairs({ "type", "version", "status", "cop", "vcid", "no_rf", "no_lock", "lockout", "wait",
                            "retransmit", "farm_b", "report" }) do
        sub:add(cf[name], range)
    end
    sub:append_text(string.format(", VC %d, V(R) %d", rshift(band(range:uint(), 0x00FC0000), 18),
        band(range:uint(), 0xFF)))
end

-- One space packet handed to Wireshark's ccsds dissector (which throws on packets shorter than its ISS secondary
-- header: the tree says so and dissection goes on).
local function dissect_packet(tvb, pinfo, tree)
    local ok = pcall(function() ccsds_dissector:call(tvb, pinfo, tree) end)
    if not ok then tree:add_proto_expert_info(ccsds_stopped) end
end

-- The whole space packets in `data` from `start`, each dissected; the rest labelled. Returns the offset of a packet
-- that continues in the next frame, or nil.
local function dissect_packets(data, start, pinfo, tree, partial_field)
    local offset = start
    while offset < data:len() do
        local left = data:len() - offset
        if left < 6 then
            tree:add(partial_field, data:range(offset, left)):append_text(" (a packet continues in the next frame)")
            return offset
        end
        local length = data:range(offset + 4, 2):uint() + 7
        if band(data:range(offset, 2):uint(), 0x7FF) == 0x7FF and length <= left then
            tree:add(partial_field, data:range(offset, length)):append_text(" (idle packet)")
        elseif length > left then
            tree:add(partial_field, data:range(offset, left)):append_text(" (a packet continues in the next frame)")
            return offset
        else
            dissect_packet(data:range(offset, length):tvb(), pinfo, tree)
        end
        offset = offset + length
    end
    return nil
end

-- Packets that run from one frame into the next of the same virtual channel, joined on the first pass through a
-- capture: `carried` holds, per spacecraft and VC, the octets so far and the VC frame count the next part must
-- come in; `completed` holds, per capture frame number, the packets that frame completes (shown on every pass).
-- A gap in the VC count, idle data or a length that does not add up drops what was carried.
local carried, completed = {}, {}

local function join_carried(key, vc, fhp, data, number)
    local open = carried[key]
    carried[key] = nil
    if open == nil or open.next_vc ~= vc or fhp == 0x7FE then return end
    local head = fhp == 0x7FF and data:len() or math.min(fhp, data:len())
    local octets = open.octets
    if head > 0 then octets = octets .. data:range(0, head):bytes() end
    if fhp == 0x7FF then
        carried[key] = { octets = octets, next_vc = (vc + 1) % 256 }
    elseif octets:len() >= 6 and octets:get_index(4) * 256 + octets:get_index(5) + 7 == octets:len() then
        completed[number] = completed[number] or {}
        table.insert(completed[number], octets)
    end
end

---------------------------------------------------------------------------------------------------------------------
-- farside.tm: a TM transfer frame with FECF

local tm = Proto("farside.tm", "farside TM transfer frame")
local FHP_NAMES = { [0x7FF] = "no packet starts in this frame", [0x7FE] = "idle data only" }
local tf = {
    version = ProtoField.uint16("farside.tm.version", "Version", base.DEC, nil, 0xC000),
    scid = ProtoField.uint16("farside.tm.scid", "Spacecraft ID", base.DEC, nil, 0x3FF0),
    vcid = ProtoField.uint16("farside.tm.vcid", "Virtual channel ID", base.DEC, nil, 0x000E),
    ocf_flag = ProtoField.uint16("farside.tm.ocf_flag", "OCF present", base.DEC, nil, 0x0001),
    mc_count = ProtoField.uint8("farside.tm.mc_count", "Master channel frame count", base.DEC),
    vc_count = ProtoField.uint8("farside.tm.vc_count", "Virtual channel frame count", base.DEC),
    sec_header = ProtoField.uint16("farside.tm.sec_header", "Secondary header flag", base.DEC, nil, 0x8000),
    sync = ProtoField.uint16("farside.tm.sync", "Synchronisation flag", base.DEC, nil, 0x4000),
    order = ProtoField.uint16("farside.tm.order", "Packet order flag", base.DEC, nil, 0x2000),
    segment = ProtoField.uint16("farside.tm.segment_length_id", "Segment length ID", base.DEC, nil, 0x1800),
    fhp = ProtoField.uint16("farside.tm.fhp", "First header pointer", base.DEC, FHP_NAMES, 0x07FF),
    data = ProtoField.bytes("farside.tm.data", "Packet data"),
    fecf = ProtoField.uint16("farside.tm.fecf", "Frame error control (FECF)", base.HEX),
    fecf_good = ProtoField.bool("farside.tm.fecf_good", "FECF good"),
}
tm.fields = tf
local tm_bad_fecf = ProtoExpert.new("farside.tm.bad_fecf", "TM frame FECF does not match",
    expert.group.CHECKSUM, expert.severity.ERROR)
tm.experts = { tm_bad_fecf }

function tm.init()
    carried, completed = {}, {}
end

function tm.dissector(tvb, pinfo, tree)
    local size = tvb:len()
    if size < 8 then return 0 end
    pinfo.cols.protocol = "farside TM"
    local sub = tree:add(tm, tvb:range(0, size))
    local first = tvb:range(0, 2):uint()
    local vcid, ocf = rshift(band(first, 0x000E), 1), band(first, 1) == 1
    local mc, vc = tvb:range(2, 1):uint(), tvb:range(3, 1):uint()
    local fhp = band(tvb:range(4, 2):uint(), 0x7FF)
    for _, name in ipairs({ "version", "scid", "vcid", "ocf_flag" }) do sub:add(tf[name], tvb:range(0, 2)) end
    sub:add(tf.mc_count, tvb:range(2, 1))
    sub:add(tf.vc_count, tvb:range(3, 1))
    for _, name in ipairs({ "sec_header", "sync", "order", "segment", "fhp" }) do sub:add(tf[name], tvb:range(4, 2)) end
    local trailer = 2 + (ocf and 4 or 0)
    local data = tvb:range(6, size - 6 - trailer):tvb()
    local scid = rshift(band(first, 0x3FF0), 4)
    sub:append_text(string.format(", SCID %d, VC %d, MC %d, VC count %d", scid, vcid, mc, vc))
    local key = scid * 8 + vcid
    if not pinfo.visited then join_carried(key, vc, fhp, data, pinfo.number) end
    for _, octets in ipairs(completed[pinfo.number] or {}) do
        local whole = octets:tvb("Reassembled space packet")
        sub:add(tf.data, whole:range(0, whole:len())):append_text(" (a packet begun in an earlier frame, reassembled)")
        dissect_packet(whole, pinfo, sub)
    end
    local continues = nil
    if fhp == 0x7FE then
        sub:add(tf.data, data:range(0, data:len())):append_text(" (idle data)")
    elseif fhp == 0x7FF then
        sub:add(tf.data, data:range(0, data:len())):append_text(" (the middle of a packet)")
    else
        if fhp > 0 then
            sub:add(tf.data, data:range(0, math.min(fhp, data:len()))):append_text(" (the end of a packet)")
        end
        if fhp < data:len() then continues = dissect_packets(data, fhp, pinfo, sub, tf.data) end
    end
    if not pinfo.visited and continues ~= nil then
        carried[key] = { octets = data:range(continues, data:len() - continues):bytes(), next_vc = (vc + 1) % 256 }
    end
    pinfo.cols.protocol = "farside TM"
    pinfo.cols.info = string.format("TM frame VC %d MC %d VC count %d FHP %d", vcid, mc, vc, fhp)
    if ocf then dissect_clcw(tvb:range(size - 6, 4), sub) end
    local fecf_item = sub:add(tf.fecf, tvb:range(size - 2, 2))
    local good = crc16(tvb:range(0, size)) == 0
    sub:add(tf.fecf_good, good):set_generated()
    if not good then fecf_item:add_proto_expert_info(tm_bad_fecf) end
    return size
end

---------------------------------------------------------------------------------------------------------------------
-- farside.cadu: ASM + (randomized) TM frame (+ Reed-Solomon check symbols)

local cadu = Proto("farside.cadu", "farside CADU")
local kf = {
    asm = ProtoField.bytes("farside.cadu.asm", "Attached sync marker"),
    randomized = ProtoField.bool("farside.cadu.randomized", "Randomized"),
    rs_interleave = ProtoField.uint8("farside.cadu.rs_interleave", "Reed-Solomon interleave (0: none)", base.DEC),
    frame = ProtoField.bytes("farside.cadu.frame", "TM frame"),
    check = ProtoField.bytes("farside.cadu.rs_check", "Reed-Solomon check symbols (not verified)"),
}
cadu.fields = kf
local cadu_no_frame = ProtoExpert.new("farside.cadu.no_frame", "No coding gives a TM frame with a good FECF",
    expert.group.MALFORMED, expert.severity.WARN)
cadu.experts = { cadu_no_frame }
local ASM = "1acffc1d"

-- The TM frame octets of a CADU body under one coding, or nil when that coding gives no valid frame.
local function try_coding(body, randomized, interleave)
    local frame_length = interleave > 0 and interleave * 223 or body:len()
    if frame_length > body:len() then return nil end
    local octets
    if randomized then
        octets = derandomize(body:range(0, body:len()), TM_SEQUENCE)
    else
        octets = body:range(0, body:len()):bytes()
    end
    local frame = octets:subset(0, frame_length)
    local frame_tvb = frame:tvb("candidate")
    if rshift(frame_tvb:range(0, 1):uint(), 6) ~= 0 or crc16(frame_tvb:range(0, frame_length)) ~= 0 then return nil end
    return octets, frame_length
end

function cadu.dissector(tvb, pinfo, tree)
    local size = tvb:len()
    if size < 12 then return 0 end
    pinfo.cols.protocol = "farside CADU"
    local sub = tree:add(cadu, tvb:range(0, size))
    sub:add(kf.asm, tvb:range(0, 4))
    local body = tvb:range(4, size - 4):tvb()
    local interleaves = { 0 }
    if body:len() % 255 == 0 and math.floor(body:len() / 255) >= 1 and math.floor(body:len() / 255) <= 8 then
        interleaves[2] = math.floor(body:len() / 255)
    end
    for _, randomized in ipairs({ true, false }) do
        for _, interleave in ipairs(interleaves) do
            local octets, frame_length = try_coding(body, randomized, interleave)
            if octets ~= nil then
                sub:add(kf.randomized, randomized):set_generated()
                sub:add(kf.rs_interleave, interleave):set_generated()
                local decoded = octets:tvb(randomized and "Derandomized CADU" or "CADU body")
                if interleave > 0 then sub:add(kf.check, decoded:range(frame_length, decoded:len() - frame_length)) end
                tm.dissector(decoded:range(0, frame_length):tvb(), pinfo, sub)
                return size
            end
        end
    end
    sub:add_proto_expert_info(cadu_no_frame)
    return size
end

---------------------------------------------------------------------------------------------------------------------
-- farside.tc: a TC transfer frame with segment header and FECF

local tc = Proto("farside.tc", "farside TC transfer frame")
local tcf = {
    version = ProtoField.uint16("farside.tc.version", "Version", base.DEC, nil, 0xC000),
    bypass = ProtoField.uint16("farside.tc.bypass", "Bypass flag (1: type B)", base.DEC, nil, 0x2000),
    control = ProtoField.uint16("farside.tc.control", "Control command flag (1: type C)", base.DEC, nil, 0x1000),
    scid = ProtoField.uint16("farside.tc.scid", "Spacecraft ID", base.DEC, nil, 0x03FF),
    vcid = ProtoField.uint16("farside.tc.vcid", "Virtual channel ID", base.DEC, nil, 0xFC00),
    length = ProtoField.uint16("farside.tc.length", "Frame length - 1", base.DEC, nil, 0x03FF),
    seq = ProtoField.uint8("farside.tc.seq", "Frame sequence number N(S)", base.DEC),
    seq_flags = ProtoField.uint8("farside.tc.seq_flags", "Segment sequence flags", base.DEC, nil, 0xC0),
    map_id = ProtoField.uint8("farside.tc.map_id", "MAP ID", base.DEC, nil, 0x3F),
    command = ProtoField.bytes("farside.tc.command", "Control command"),
    data = ProtoField.bytes("farside.tc.data", "Frame data"),
    fecf = ProtoField.uint16("farside.tc.fecf", "Frame error control (FECF)", base.HEX),
    fecf_good = ProtoField.bool("farside.tc.fecf_good", "FECF good"),
}
tc.fields = tcf
local tc_bad_fecf = ProtoExpert.new("farside.tc.bad_fecf", "TC frame FECF does not match",
    expert.group.CHECKSUM, expert.severity.ERROR)
tc.experts = { tc_bad_fecf }

-- Whether `range` starts with a whole TC frame (version 0, its length fits) whose FECF checks.
local function tc_frame_ok(range)
    if range:len() < 7 or rshift(range:range(0, 1):uint(), 6) ~= 0 then return false end
    local size = band(range:range(2, 2):uint(), 0x3FF) + 1
    return size >= 7 and size <= range:len() and crc16(range:range(0, size)) == 0
end

function tc.dissector(tvb, pinfo, tree)
    if tvb:len() < 7 then return 0 end
    pinfo.cols.protocol = "farside TC"
    local size = math.min(band(tvb:range(2, 2):uint(), 0x3FF) + 1, tvb:len())
    local sub = tree:add(tc, tvb:range(0, size))
    local first = tvb:range(0, 2):uint()
    local bypass, control = band(first, 0x2000) ~= 0, band(first, 0x1000) ~= 0
    for _, name in ipairs({ "version", "bypass", "control", "scid" }) do sub:add(tcf[name], tvb:range(0, 2)) end
    sub:add(tcf.vcid, tvb:range(2, 2))
    sub:add(tcf.length, tvb:range(2, 2))
    sub:add(tcf.seq, tvb:range(4, 1))
    local vcid, seq = rshift(tvb:range(2, 1):uint(), 2), tvb:range(4, 1):uint()
    local kind = control and "BC" or (bypass and "BD" or "AD")
    sub:append_text(string.format(", %s, VC %d, N(S) %d", kind, vcid, seq))
    if control then
        sub:add(tcf.command, tvb:range(5, size - 7))
    else
        sub:add(tcf.seq_flags, tvb:range(5, 1))
        sub:add(tcf.map_id, tvb:range(5, 1))
        if size > 8 then dissect_packets(tvb:range(6, size - 8):tvb(), 0, pinfo, sub, tcf.data) end
    end
    pinfo.cols.protocol = "farside TC"
    pinfo.cols.info = string.format("TC frame %s VC %d N(S) %d", kind, vcid, seq)
    local fecf_item = sub:add(tcf.fecf, tvb:range(size - 2, 2))
    local good = crc16(tvb:range(0, size)) == 0
    sub:add(tcf.fecf_good, good):set_generated()
    if not good then fecf_item:add_proto_expert_info(tc_bad_fecf) end
    return size
end

---------------------------------------------------------------------------------------------------------------------
-- farside.cltu: start sequence, BCH(63,56) codeblocks, tail

local cltu = Proto("farside.cltu", "farside CLTU")
local lf = {
    start = ProtoField.bytes("farside.cltu.start", "Start sequence"),
    codeblock = ProtoField.bytes("farside.cltu.codeblock", "Codeblock"),
    codeblock_good = ProtoField.bool("farside.cltu.codeblock_good", "BCH parity good"),
    codeblocks = ProtoField.uint16("farside.cltu.codeblocks", "Codeblocks", base.DEC),
    bad_codeblocks = ProtoField.uint16("farside.cltu.bad_codeblocks", "Codeblocks with a parity error", base.DEC),
    randomized = ProtoField.bool("farside.cltu.randomized", "Randomized"),
    tail = ProtoField.bytes("farside.cltu.tail", "Tail sequence"),
}
cltu.fields = lf
local TAIL = "c5c5c5c5c5c5c579"

-- The parity octet of 7 information octets: BCH(63,56), g(x) = x^7 + x^6 + x^2 + 1, complemented, filler bit 0.
local function bch_parity(range)
    local reg = 0
    for i = 0, 6 do
        reg = bxor(reg, range:range(i, 1):uint())
        for _ = 1, 8 do
            if band(reg, 0x80) ~= 0 then
                reg = band(bxor(lshift(reg, 1), 0x8A), 0xFF)
            else
                reg = band(lshift(reg, 1), 0xFF)
            end
        end
    end
    return band(lshift(bxor(rshift(reg, 1), 0x7F), 1), 0xFE)
end

function cltu.dissector(tvb, pinfo, tree)
    local size = tvb:len()
    if size < 2 + 8 + 8 then return 0 end
    pinfo.cols.protocol = "farside CLTU"
    local sub = tree:add(cltu, tvb:range(0, size))
    sub:add(lf.start, tvb:range(0, 2))
    local info = ByteArray.new()
    local offset, blocks, bad = 2, 0, 0
    while offset + 8 <= size do
        local block = tvb:range(offset, 8)
        if tostring(block:bytes()):lower() == TAIL then
            sub:add(lf.tail, block)
            break
        end
        local good = bch_parity(block) == block:range(7, 1):uint()
        local item = sub:add(lf.codeblock, block)
        item:add(lf.codeblock_good, good):set_generated()
        blocks, bad = blocks + 1, bad + (good and 0 or 1)
        info:append(block:range(0, 7):bytes())
        offset = offset + 8
    end
    sub:add(lf.codeblocks, blocks):set_generated()
    sub:add(lf.bad_codeblocks, bad):set_generated()
    if info:len() == 0 then return size end
    local plain = info:tvb("CLTU data")
    local randomized = not tc_frame_ok(plain:range(0, plain:len()))
    local frame_tvb = plain
    if randomized then
        local derandomized = derandomize(plain:range(0, plain:len()), TC_SEQUENCE)
        local candidate = derandomized:tvb("Derandomized CLTU data")
        if tc_frame_ok(candidate:range(0, candidate:len())) then frame_tvb = candidate else randomized = false end
    end
    sub:add(lf.randomized, randomized):set_generated()
    tc.dissector(frame_tvb, pinfo, sub)
    return size
end
