// The grammar lives once, in editors/agentpol.tmLanguage.json; the
// extension ships a copy because a packaged extension cannot reach outside
// its folder.
const fs = require('fs');
const path = require('path');
const out = path.join(__dirname, 'syntaxes');
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(
  path.join(__dirname, '..', 'agentpol.tmLanguage.json'),
  path.join(out, 'agentpol.tmLanguage.json'),
);
