// Starts `agentpol lsp` for .agentpol files and shows standard-library
// modules (agentpol-stdlib:///std/NAME.agentpol, where "go to definition"
// leads) as read-only documents whose text the server sends.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

const STDLIB_SCHEME = 'agentpol-stdlib';
let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('agentpol').get('server.path') || 'agentpol';
  client = new LanguageClient(
    'agentpol',
    'agentpol',
    { command, args: ['lsp'] },
    {
      documentSelector: [
        { scheme: 'file', language: 'agentpol' },
        { scheme: STDLIB_SCHEME, language: 'agentpol' },
      ],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/agentpol.toml') },
    },
  );
  // Content providers give read-only documents.
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(STDLIB_SCHEME, {
      provideTextDocumentContent: (uri) => client.sendRequest('agentpol/stdlib', { uri: uri.toString() }),
    }),
  );
  // A stdlib document opens with the agentpol language so it is highlighted.
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.uri.scheme === STDLIB_SCHEME && doc.languageId !== 'agentpol') {
        vscode.languages.setTextDocumentLanguage(doc, 'agentpol');
      }
    }),
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
