package slack

// maxLinkBytes bounds a linked URL; a longer one is left unlinked rather
// than crowding the title out of Slack's 3000-character section limit.
const maxLinkBytes = 1000
