// The heartbeat Secret's layout, shared by the controller (creates it) and the speaker (reads it).
export const HEARTBEAT_KEY_FIELD = 'key';
