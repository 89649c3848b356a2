/** The byte layout of a snapshot file (described in snapshot.ts), shared by writer and readers. */
export const snapshotMagic = Buffer.from('WRNSNP', 'latin1');
export const snapshotFormatVersion = 1;
export const headerBytes = 20;
/** In a record's length field: the records are over, the trailer begins. */
export const endMarker = 0xffffffff;
export const trailerBytes = 16;
export const recordHeaderBytes = 8;
