using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// One runspace with the built module imported, shared by a test collection (importing costs ~0.5 s).
/// Tests never rely on $env:ENCRYPTIONTOOLS_STORE (process-wide): each passes -StorePath of its own <see cref="Sandbox"/>.
/// </summary>
public sealed class ModuleRunspace : IDisposable
{
    private readonly Runspace _runspace;
    private readonly object _gate = new();

    public ModuleRunspace()
    {
        var iss = InitialSessionState.CreateDefault2();
        // No ExecutionPolicy here: setting it throws on Linux.
        iss.ImportPSModule(ModulePath);
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
    }

    /// <summary>
    /// The module's build output (the module project copies the manifest, views and help beside the dll), or the
    /// manifest $env:ENCRYPTIONTOOLS_MODULE names (to run these tests against another build, e.g. out/EncryptionTools).
    /// </summary>
    public static string ModulePath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("ENCRYPTIONTOOLS_MODULE") is { Length: > 0 } chosen) return Path.GetFullPath(chosen);
            var root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "EncryptionTools.sln"))) root = Path.GetDirectoryName(root);
            if (root is null) throw new InvalidOperationException("No EncryptionTools.sln above " + AppContext.BaseDirectory);
            var psd1 = Path.Combine(root, "src", "EncryptionTools", "bin", "Release", "net8.0", "EncryptionTools.psd1");
            if (!File.Exists(psd1)) throw new InvalidOperationException("Build the module in Release first: " + psd1);
            return psd1;
        }
    }

    /// <summary>Runs a script; variables are set first. Non-terminating errors are collected, not thrown.</summary>
    public PsResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        lock (_gate)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            // Each test starts from a directory that exists: an earlier test may have left the location in its sandbox.
            ps.AddCommand("Set-Location").AddParameter("LiteralPath", Path.GetTempPath()).AddStatement();
            foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
                ps.AddCommand("Set-Variable").AddParameter("Name", name).AddParameter("Value", value).AddStatement();
            ps.AddScript(script, useLocalScope: true); // a test's own variables ($ErrorActionPreference, functions) never leak into the next
            Collection<PSObject> output;
            Exception? terminating = null;
            try { output = ps.Invoke(); }
            catch (RuntimeException ex) { output = []; terminating = ex; }
            return new PsResult(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(), terminating);
        }
    }

    public void Dispose() => _runspace.Dispose();
}

public sealed record PsResult(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<string> Warnings, Exception? Terminating)
{
    /// <summary>The errors (id, message, where) and the terminating exception, for an assertion message.</summary>
    public string Describe() =>
        string.Join(Environment.NewLine, Errors.Select(e => $"{e.FullyQualifiedErrorId} [{e.CategoryInfo.Category}] {e}{e.InvocationInfo?.PositionMessage}")
            .Append(Terminating is RuntimeException r ? $"terminating: {r.ErrorRecord.FullyQualifiedErrorId}: {r.Message}{r.ErrorRecord.InvocationInfo?.PositionMessage}" : Terminating?.ToString() ?? ""));

    public void AssertNoErrors()
    {
        Assert.Null(Terminating);
        Assert.True(Errors.Count == 0, string.Join(Environment.NewLine, Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }
}

[CollectionDefinition(Name)]
public sealed class ModuleCollection : ICollectionFixture<ModuleRunspace>
{
    public const string Name = "module runspace";
}

/// <summary>A temporary directory for one test's files and key store, removed afterwards.</summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "et-ps-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        StorePath = Path.Combine(Root, "store");
    }

    public string Root { get; }
    public string StorePath { get; }

    public string File(string name, string text)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
