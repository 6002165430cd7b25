using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// A host for unattended runs that stands in for a person typing: it answers password prompts (Read-Host -AsSecureString,
/// a missing mandatory SecureString parameter) from a queue, collects what is written, and fails any confirmation
/// prompt (PromptForChoice), so an example that would stop to ask "Are you sure?" is caught rather than answered.
/// </summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedUserInterface _ui;

    public ScriptedHost(IEnumerable<string> passwords) => _ui = new ScriptedUserInterface(new Queue<string>(passwords));

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override string Name => "EncryptionToolsScriptedHost";
    public override PSHostUserInterface UI => _ui;
    public override Version Version => new(1, 0);

    /// <summary>Everything written to the host (Write-Host, prompts' captions), for failure messages.</summary>
    public string Transcript => _ui.Transcript.ToString();

    /// <summary>The confirmation prompts that were refused.</summary>
    public IReadOnlyList<string> RefusedPrompts => _ui.RefusedPrompts;

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class ScriptedUserInterface(Queue<string> passwords) : PSHostUserInterface
    {
        public StringBuilder Transcript { get; } = new();
        public List<string> RefusedPrompts { get; } = [];
        public override PSHostRawUserInterface RawUI { get; } = new RawUserInterface();

        private SecureString NextPassword(string what)
        {
            if (passwords.Count == 0) throw new PSInvalidOperationException($"The example asked for a password ({what}) that the fixture did not provide.");
            var secure = new SecureString();
            foreach (var c in passwords.Dequeue()) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            var answers = new Dictionary<string, PSObject>();
            foreach (var field in descriptions)
            {
                if (field.ParameterTypeFullName != typeof(SecureString).FullName)
                    throw new PSInvalidOperationException($"The example prompted for -{field.Name} ({field.ParameterTypeFullName}): give it on the command line.");
                answers[field.Name] = new PSObject(NextPassword("-" + field.Name));
            }
            return answers;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            RefusedPrompts.Add($"{caption}: {message}");
            throw new PSInvalidOperationException($"The example stopped to ask \"{caption}: {message}\"; an unattended example says -Confirm:$false.");
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new PSInvalidOperationException("The example prompted for a credential.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new PSInvalidOperationException("The example prompted for a credential.");

        public override string ReadLine() => throw new PSInvalidOperationException("The example read a line from the console.");
        public override SecureString ReadLineAsSecureString() => NextPassword("Read-Host -AsSecureString");

        public override void Write(string value) => Transcript.Append(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Transcript.Append(value);
        public override void WriteLine(string value) => Transcript.AppendLine(value);
        public override void WriteErrorLine(string value) => Transcript.AppendLine(value);
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) => Transcript.AppendLine("WARNING: " + message);
    }

    private sealed class RawUserInterface : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override Size BufferSize { get; set; } = new(120, 1000);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new(120, 1000);
        public override Size MaxWindowSize => new(120, 1000);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new(120, 50);
        public override string WindowTitle { get; set; } = "";

        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new PSInvalidOperationException("The example waited for a key press.");
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
