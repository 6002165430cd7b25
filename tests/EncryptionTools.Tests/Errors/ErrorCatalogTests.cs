using System.Management.Automation;
using System.Text.RegularExpressions;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Store;
using EncryptionTools.HelpGen;
using EncryptionTools.Module;
using EncryptionTools.Tests.Module;

namespace EncryptionTools.Tests.Errors;

/// <summary>One catalog of error ids: unique, one category each, one mapping for the module and the CLI, one docs page.</summary>
public class ErrorCatalogTests
{
    private static readonly int[] DocumentedExitCodes = [1, 2, 3, 4, 5, 6, 7, 8, 130];

    private static string ErrorsPage => Path.Combine(ModuleLayout.RepoRoot, "docs", "about_EncryptionTools_Errors.md");

    [Fact]
    public void IdsAreUniqueAndEachHasADocumentedExitCodeAndAMeaning()
    {
        Assert.Equal(ErrorCatalog.All.Count, ErrorCatalog.All.Select(e => e.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(ErrorCatalog.All, e =>
        {
            Assert.Matches("^[A-Z][A-Za-z]+$", e.Id);
            Assert.Contains(e.ExitCode, DocumentedExitCodes);
            Assert.False(string.IsNullOrWhiteSpace(e.Meaning), e.Id);
            Assert.Same(e, ErrorCatalog.Find(e.Id));
            // The engine's category names are PowerShell's, so the module maps every one of them.
            Assert.Equal(e.Category.ToString(), ErrorRecordFactory.Map(e.Category).ToString());
        });
    }

    [Fact]
    public void ACataloguedIdHasItsCatalogCategoryWhateverTheCallerPassed()
    {
        var store = new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.ReadError, "gone");
        Assert.Equal(EngineErrorCategory.InvalidData, store.Category);
        Assert.Equal(ErrorCatalog.StoreCorrupt.Category, store.Category);

        // Not catalogued yet (an id added in parallel work): its own category, and an exit code that follows it.
        var fresh = new EncryptionToolsException("SomethingNew", EngineErrorCategory.ObjectNotFound, "x");
        Assert.Equal(EngineErrorCategory.ObjectNotFound, fresh.Category);
        Assert.Equal(CliExitCodes.NotFound, ErrorCatalog.Classify(fresh).ExitCode);
        Assert.Equal("SomethingNew", ErrorCatalog.Classify(fresh).Id);
    }

    [Fact]
    public void InvalidKeyPolicyHasOneCategoryFromTheEngineAndFromSetEncKeyPolicy()
    {
        var parse = Assert.Throws<InvalidKeyPolicyException>(() => KeyPolicy.Parse("not json"));
        Assert.Equal(EngineErrorCategory.InvalidData, parse.Category);
        Assert.Equal(ErrorCatalog.InvalidKeyPolicy.Category, parse.Category);
        Assert.Single(ErrorCatalog.All, e => e.Id == "InvalidKeyPolicy");
    }

    private static AccessDecision Denial() => new()
    {
        Kind = DecisionKind.ImplicitDeny, Principal = "user:someone", Action = "kms:Decrypt", Key = "k", Reason = "no statement allows it",
    };

    public static TheoryData<Exception, string, ErrorCategory, int> PlatformExceptions() => new()
    {
        { new UnauthorizedAccessException("denied"), "FileAccessDenied", ErrorCategory.PermissionDenied, 5 },
        { new FileNotFoundException("gone"), "PathNotFound", ErrorCategory.ObjectNotFound, 3 },
        { new DirectoryNotFoundException("gone"), "PathNotFound", ErrorCategory.ObjectNotFound, 3 },
        { new IOException("disk"), "IOError", ErrorCategory.WriteError, 1 },
        { new OperationCanceledException(), "OperationStopped", ErrorCategory.OperationStopped, 130 },
        { new ArgumentException("bad"), "InvalidArgument", ErrorCategory.InvalidArgument, 2 },
        { new InvalidOperationException("?"), "UnexpectedError", ErrorCategory.NotSpecified, 1 },
        { new AccessDeniedException(Denial()), "AccessDenied", ErrorCategory.PermissionDenied, 5 },
        { new DestinationExistsException("/x"), "DestinationExists", ErrorCategory.ResourceExists, 6 },
        { new EncryptionContextMismatchException("m"), "EncryptionContextMismatch", ErrorCategory.SecurityError, 7 },
    };

    /// <summary>
    /// The one mapping the module's records (ErrorRecordFactory; its records are checked in a real runspace by
    /// ErrorRecordIdTests) and the CLI's ids and exit codes come from; they used to disagree.
    /// </summary>
    [Theory]
    [MemberData(nameof(PlatformExceptions))]
    public void OneMappingGivesTheIdCategoryAndExitCode(Exception exception, string id, ErrorCategory category, int exitCode)
    {
        var classified = ErrorCatalog.Classify(exception);
        Assert.Equal(id, classified.Id);
        Assert.Equal(category, ErrorRecordFactory.Map(classified.Category));
        Assert.Equal(exitCode, classified.ExitCode);
    }

    [Fact]
    public void PolicyDenialAndOperatingSystemDenialHaveDistinctIds()
    {
        Assert.NotEqual(ErrorCatalog.AccessDenied.Id, ErrorCatalog.Classify(new UnauthorizedAccessException()).Id);
        Assert.Equal(ErrorCatalog.AccessDenied.Id,
            ErrorCatalog.Classify(new AccessDeniedException(Denial())).Id);
    }

    private sealed record DocRow(string Family, string Id, string Category, int ExitCode, string Meaning);

    private static List<DocRow> DocumentedIds()
    {
        var rows = new List<DocRow>();
        string? family = null;
        foreach (var line in File.ReadAllLines(ErrorsPage))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal)) family = line[4..].Trim();
            var m = Regex.Match(line, @"^\| `([^`]+)` \| (\w+) \| (\d+) \| (.*) \|$");
            if (m.Success) rows.Add(new DocRow(family!, m.Groups[1].Value, m.Groups[2].Value, int.Parse(m.Groups[3].Value), m.Groups[4].Value));
        }
        return rows;
    }

    [Fact]
    public void TheErrorsPageListsExactlyTheCatalog()
    {
        var documented = DocumentedIds();
        Assert.NotEmpty(documented);
        var missing = ErrorCatalog.All.Select(e => e.Id).Except(documented.Select(d => d.Id)).ToList();
        var extra = documented.Select(d => d.Id).Except(ErrorCatalog.All.Select(e => e.Id)).ToList();
        Assert.True(missing.Count == 0, "Not in docs/about_EncryptionTools_Errors.md: " + string.Join(", ", missing));
        Assert.True(extra.Count == 0, "In the docs page but not in ErrorCatalog: " + string.Join(", ", extra));
        Assert.Equal(documented.Count, documented.Select(d => d.Id).Distinct().Count());
        foreach (var doc in documented)
        {
            var entry = ErrorCatalog.Find(doc.Id)!;
            Assert.True(entry.Family == doc.Family, $"{doc.Id}: family '{entry.Family}' in the catalog, '{doc.Family}' in the page");
            Assert.True(entry.Category.ToString() == doc.Category, $"{doc.Id}: category {entry.Category} in the catalog, {doc.Category} in the page");
            Assert.True(entry.ExitCode == doc.ExitCode, $"{doc.Id}: exit code {entry.ExitCode} in the catalog, {doc.ExitCode} in the page");
            Assert.True(entry.Meaning == doc.Meaning, $"{doc.Id}: meaning differs between the catalog and the page");
        }
    }

    [Fact]
    public void TheErrorsPageIsAnAboutTopicHelpGenAccepts()
    {
        var help = AboutHelpConverter.ConvertFile(ErrorsPage);
        Assert.StartsWith("TOPIC\n    about_EncryptionTools_Errors", help, StringComparison.Ordinal);
        Assert.Contains("| `FileAccessDenied` |", help, StringComparison.Ordinal);
    }

    /// <summary>Ids are named through the catalog, never spelled as literals where an error is raised.</summary>
    [Fact]
    public void NoErrorIsRaisedWithALiteralId()
    {
        var raise = new Regex(@"(new (EncryptionToolsException|KeyStoreException|KeyStateException|KeyStoreLockedException)|: base|EncryptionToolsException)\(\s*""|new ErrorRecord\([^,]+,\s*""|new\(""\w+"", EngineErrorCategory|ErrorId (==|!=) """);
        var offenders = Directory.EnumerateFiles(Path.Combine(ModuleLayout.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => raise.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(ModuleLayout.RepoRoot, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(offenders.Count == 0, "Error ids spelled as literals (use ErrorCatalog): " + string.Join(", ", offenders));
    }
}
