package imaging

import "encoding/binary"

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG, or 1 — as stored — when there is
// none or it cannot be read. Cameras and phones store pixels as the sensor saw them and record the
// rotation in this tag; since re-encoding drops the tag, it must be applied to the pixels or a
// portrait photo would come out lying on its side.
//
// The parser reads only what it needs — the markers before the first scan, the first APP1 segment
// that starts with "Exif\0\0", and IFD0 of its TIFF structure — and checks every offset against
// the bytes it has, so hostile input can make it return 1 but never read out of bounds or loop:
// each step moves forward through a finite slice.
func jpegOrientation(data []byte) int {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return 1 // not at a marker: the header is malformed, and the decoder will say so
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte before a marker
			i++
			continue
		case marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7): // TEM, RSTn: no length
			i += 2
			continue
		case marker == 0xda || marker == 0xd9: // SOS, EOI: no metadata after this point counts
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		end := i + 2 + n
		if n < 2 || end > len(data) {
			return 1
		}
		if seg := data[i+4 : end]; marker == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i = end
	}
	return 1
}

const (
	tagOrientation = 0x0112
	typeShort      = 3
)

// tiffOrientation reads the Orientation tag of IFD0 of a TIFF structure (EXIF's container).
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := order.Uint32(t[4:])
	if uint64(ifd)+2 > uint64(len(t)) {
		return 1
	}
	entries := t[ifd+2:]
	count := int(order.Uint16(t[ifd:]))
	for e := 0; e < count && len(entries) >= 12; e, entries = e+1, entries[12:] {
		if order.Uint16(entries) != tagOrientation {
			continue
		}
		// A SHORT with count 1 sits left-aligned in the 4-byte value field.
		if order.Uint16(entries[2:]) != typeShort || order.Uint32(entries[4:]) != 1 {
			return 1
		}
		if o := int(order.Uint16(entries[8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}
