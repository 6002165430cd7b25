using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Every type a cmdlet emits, rendered by the module's views as a user sees it: Out-String at 80 and 120 columns for
/// the default table and for Format-List. Tables keep every column with its whole header (no one-character column, no
/// dropped column, nothing past the width), show aliases where a person looks for keys, and lists render collections
/// as text.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ViewRenderingTests(ModuleRunspace ps)
{
    // Made once for the class (the cmdlets run once); the sandbox goes when the test process ends.
    private static readonly object Gate = new();
    private static Samples? _shared;

    private Samples _samples
    {
        get
        {
            lock (Gate) return _shared ??= new Samples(ps);
        }
    }

    /// <summary>One object of each emitted type, made by the real cmdlets in a sandbox store, rendered once.</summary>
    public sealed class Samples
    {
        // Each entry: the type's full name, then the script that emits one (or a few) of it.
        private const string Script = """
            $ErrorActionPreference = 'Stop'
            $store = Join-Path $root 'store'
            $dir = Join-Path $root 'some/deeper/directory/with/a/long/name'
            New-Item -ItemType Directory -Path $dir -Force | Out-Null
            $file = Join-Path $dir 'quarterly-payroll-report-2026.csv'
            Set-Content -LiteralPath $file -Value 'x'
            $key = New-EncKey -Alias alias/payroll-hr -Description 'Payroll of the HR department, 2026' -StorePath $store
            New-EncKeyAlias -AliasName alias/payroll-archive -KeyId $key.KeyId -StorePath $store | Out-Null
            $app = New-EncKey -Alias alias/app -StorePath $store
            $rsa = New-EncKey -Alias alias/partner -KeySpec RSA_3072 -StorePath $store
            $s = [ordered]@{}
            $s['EncryptionTools.Engine.Store.EncKey'] = @(Get-EncKey -StorePath $store)
            $s['EncryptionTools.Engine.Files.FileOperationResult'] = @(Protect-File -LiteralPath $file -KeyId alias/payroll-hr, alias/app -EncryptionContext @{ dept = 'hr'; purpose = 'payroll' } -StorePath $store)
            $s['EncryptionTools.Engine.Inspection.EncryptedFileInfo'] = @(Get-EncFileInfo -LiteralPath "$file.enc" -StorePath $store)
            $s['EncryptionTools.Engine.Access.Grant'] = @(Grant-EncKeyAccess -KeyId alias/app -GranteePrincipal user:carol -Operation Decrypt, GenerateDataKey -EncryptionContextSubset @{ dept = 'hr' } -Name carol-hr -StorePath $store -Confirm:$false)
            $s['EncryptionTools.Engine.Store.EncKey'] += @(Invoke-EncKeyRotation -KeyId alias/payroll-hr -StorePath $store -Confirm:$false)
            $s['EncryptionTools.Engine.Files.RewrapResult'] = @(Update-EncFileKey -LiteralPath "$file.enc" -StorePath $store -Confirm:$false)
            $s['EncryptionTools.Engine.Store.EncKeyAlias'] = @(Get-EncKeyAlias -StorePath $store)
            $s['EncryptionTools.Engine.Store.EncKeyRotation'] = @(Get-EncKeyRotation -KeyId alias/payroll-hr -StorePath $store)
            $s['EncryptionTools.Engine.Store.EncKeyStoreInfo'] = @(Get-EncKeyStore -StorePath $store)
            $s['EncryptionTools.Engine.Store.EncKeyPolicy'] = @(Get-EncKeyPolicy -KeyId alias/app -StorePath $store)
            $s['EncryptionTools.Engine.Access.AccessDecision'] = @(Test-EncKeyAccess -KeyId alias/app -Action kms:Decrypt -EncryptionContext @{ dept = 'hr' } -StorePath $store)
            $s['EncryptionTools.Engine.Store.EncKeyExport'] = @(Export-EncKey -KeyId alias/partner -PublicKeyOnly -StorePath $store -Confirm:$false)
            $s['EncryptionTools.Engine.Audit.AuditEvent'] = @(Get-EncAuditEvent -StorePath $store | Select-Object -Last 3)
            $s['EncryptionTools.Engine.Audit.AuditVerification'] = @(Test-EncAuditLog -StorePath $store)
            $s['EncryptionTools.Engine.Compliance.ComplianceFinding'] = @(Test-EncryptionCompliance -Path $root -Recurse -IncludeStore -StorePath $store | Where-Object { $_ -is [EncryptionTools.Engine.Compliance.ComplianceFinding] } | Select-Object -First 2)
            $s['EncryptionTools.Engine.Compliance.ComplianceSummary'] = @(Test-EncryptionCompliance -Path $root -Recurse -IncludeStore -StorePath $store -Summary | Where-Object { $_ -is [EncryptionTools.Engine.Compliance.ComplianceSummary] })
            $s['EncryptionTools.Engine.Inspection.EncryptedDataKeyInfo'] = @($s['EncryptionTools.Engine.Inspection.EncryptedFileInfo'][0].EncryptedDataKeys)
            $s['EncryptionTools.Engine.Store.EncKeyVersion'] = @((Get-EncKey -KeyId alias/payroll-hr -StorePath $store).Versions)
            $s['EncryptionTools.Engine.Store.EncKeyLifecycleEvent'] = @((Get-EncKey -KeyId alias/payroll-hr -StorePath $store).History)
            $s['EncryptionTools.Engine.Operations.EncDataKey'] = @(New-EncDataKey -KeyId alias/app -EncryptionContext @{ purpose = 'cache'; tenant = 'contoso' } -StorePath $store; New-EncDataKey -KeyId alias/app -WithoutPlaintext -StorePath $store)
            New-EncKey -Alias alias/movable -Exportable -StorePath $store | Out-Null
            $s['EncryptionTools.Engine.Store.EncKeyPackage'] = @(Export-EncKey -KeyId alias/movable -StorePath $store -Confirm:$false)
            $s['EncryptionTools.Engine.Store.StoreBackupInfo'] = @(Backup-EncKeyStore -Path (Join-Path $dir 'keys-of-the-payroll-store-2026.etb') -Password (ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force) -StorePath $store)
            foreach ($type in $s.Keys) {
                $objects = $s[$type]
                if ($objects.Count -eq 0) { throw "No sample of $type" }
                foreach ($o in $objects) { if ($o.GetType().FullName -ne $type) { throw "A sample of $type is a $($o.GetType().FullName)" } }
                foreach ($width in 80, 120) {
                    [pscustomobject]@{
                        Type = $type; Width = $width
                        Table = $objects | Out-String -Width $width
                        List = $objects | Format-List | Out-String -Width $width
                    }
                }
            }
            """;

        private readonly Sandbox _box = new();

        public Samples(ModuleRunspace ps)
        {
            var r = ps.Run("$PSStyle.OutputRendering = 'PlainText'\n" + Script, new Dictionary<string, object?> { ["root"] = _box.Root });
            r.AssertNoErrors();
            static string Text(System.Management.Automation.PSObject o, string name) => o.Properties[name].Value?.ToString() ?? "";
            Rendered = r.Output.Select(o => new Rendering(Text(o, "Type"), int.Parse(Text(o, "Width"), System.Globalization.CultureInfo.InvariantCulture),
                Text(o, "Table"), Text(o, "List"))).ToList();
            Root = _box.Root;
            var emitted = ps.Run("""
                Get-Command -Module EncryptionTools | ForEach-Object OutputType | ForEach-Object Type |
                    Where-Object { $_ -and $_.FullName -like 'EncryptionTools.*' } | ForEach-Object FullName | Sort-Object -Unique
                """);
            emitted.AssertNoErrors();
            Emitted = emitted.Output.Select(o => o.ToString()).ToList();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _box.Dispose();
        }

        public IReadOnlyList<Rendering> Rendered { get; }
        public IReadOnlyList<string> Emitted { get; }
        public string Root { get; }
    }

    public sealed record Rendering(string Type, int Width, string Table, string List);

    private static readonly XDocument Format = XDocument.Load(Path.Combine(
        Path.GetDirectoryName(ModuleRunspace.ModulePath)!, "EncryptionTools.Format.ps1xml"));

    /// <summary>The labels of the type's table view, in order.</summary>
    private static List<string> TableLabels(string type) =>
        Format.Descendants("View")
            .Where(v => v.Element("TableControl") is not null && v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value == type))
            .Select(v => v.Element("TableControl")!.Element("TableHeaders")!.Elements("TableColumnHeader").Select(h => h.Element("Label")!.Value).ToList())
            .Single();

    private Rendering Of(string type, int width) => _samples.Rendered.Single(r => r.Type == type && r.Width == width);

    public static TheoryData<string, int> TypesAndWidths()
    {
        var data = new TheoryData<string, int>();
        foreach (var type in SampledTypes)
        foreach (var width in new[] { 80, 120 })
            data.Add(type, width);
        return data;
    }

    private static readonly string[] SampledTypes =
    [
        "EncryptionTools.Engine.Store.EncKey", "EncryptionTools.Engine.Files.FileOperationResult",
        "EncryptionTools.Engine.Inspection.EncryptedFileInfo", "EncryptionTools.Engine.Access.Grant",
        "EncryptionTools.Engine.Files.RewrapResult", "EncryptionTools.Engine.Store.EncKeyAlias",
        "EncryptionTools.Engine.Store.EncKeyRotation", "EncryptionTools.Engine.Store.EncKeyStoreInfo",
        "EncryptionTools.Engine.Store.EncKeyPolicy", "EncryptionTools.Engine.Access.AccessDecision",
        "EncryptionTools.Engine.Store.EncKeyExport", "EncryptionTools.Engine.Audit.AuditEvent",
        "EncryptionTools.Engine.Audit.AuditVerification", "EncryptionTools.Engine.Compliance.ComplianceFinding",
        "EncryptionTools.Engine.Compliance.ComplianceSummary", "EncryptionTools.Engine.Inspection.EncryptedDataKeyInfo",
        "EncryptionTools.Engine.Store.EncKeyVersion", "EncryptionTools.Engine.Store.EncKeyLifecycleEvent",
        "EncryptionTools.Engine.Operations.EncDataKey",
        "EncryptionTools.Engine.Store.EncKeyPackage", "EncryptionTools.Engine.Store.StoreBackupInfo",
    ];

    [Fact]
    public void EveryTypeACmdletDeclaresIsSampled()
    {
        Assert.NotEmpty(_samples.Emitted);
        Assert.All(_samples.Emitted, t => Assert.Contains(t, SampledTypes));
    }

    [Theory]
    [MemberData(nameof(TypesAndWidths))]
    public void TheTableKeepsEveryColumnWholeWithinTheWidth(string type, int width)
    {
        var text = Of(type, width).Table;
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r', ' ')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= width, $"{type} at {width}: a line of {l.Length} characters:\n{text}"));
        var dashes = lines.FindIndex(l => l.Length > 0 && l.All(c => c is '-' or ' '));
        Assert.True(dashes > 0, $"{type} at {width} rendered no table:\n{text}");
        var header = lines[dashes - 1].PadRight(lines[dashes].Length);
        var runs = Regex.Matches(lines[dashes], "-+").Select(m => (m.Index, m.Length)).ToList();
        var labels = runs.Select(r => header.Substring(r.Index, r.Length).Trim()).ToList();
        Assert.True(TableLabels(type).SequenceEqual(labels),
            $"{type} at {width}: expected the columns {string.Join(", ", TableLabels(type))}, rendered {string.Join(", ", labels)}:\n{text}");
    }

    [Theory]
    [MemberData(nameof(TypesAndWidths))]
    public void TheListRendersCollectionsAsText(string type, int width)
    {
        var text = Of(type, width).List;
        Assert.DoesNotContain("System.Collections", text);
        Assert.DoesNotContain("`1[", text);
        Assert.DoesNotContain("{[", text); // a dictionary's entries as PowerShell prints KeyValuePairs
        Assert.DoesNotContain("…}", text); // a collection cut after four items
        Assert.False(Regex.IsMatch(text, @"\w+ \{ \w+ = "), $"{type} at {width} prints a record's ToString:\n{text}");
        Assert.All(text.Split('\n'), l => Assert.True(l.TrimEnd('\r', ' ').Length <= width, $"{type} at {width}: a line past the width:\n{text}"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void KeysAreNamedByTheirAliasesWhereAPersonLooksForThem(int width)
    {
        // Wrapped rows interleave columns, so narrow tables are checked for what fits a column's line.
        var key = Of("EncryptionTools.Engine.Store.EncKey", width).Table;
        Assert.Contains("alias/payroll-archive,alias/payroll-hr", Regex.Replace(key, @"\s+", ""));
        foreach (var type in new[] { "EncryptionTools.Engine.Files.FileOperationResult", "EncryptionTools.Engine.Inspection.EncryptedFileInfo", "EncryptionTools.Engine.Files.RewrapResult" })
        {
            var r = Of(type, width);
            Assert.True(r.Table.Contains("alias/payroll-archive", StringComparison.Ordinal), r.Table);
            Assert.DoesNotContain("enctools/", r.Table);
            Assert.DoesNotContain("enctools/", r.List);
            Assert.Contains("alias/app v1", r.List);
            if (width == 120) Assert.Contains("alias/app v1", r.Table);
        }
        Assert.Contains("alias/payroll-archivev1", Regex.Replace(Of("EncryptionTools.Engine.Inspection.EncryptedDataKeyInfo", width).Table, @"\s+", ""));
        Assert.Contains("alias/payroll-archive v2", Of("EncryptionTools.Engine.Files.RewrapResult", width).List);
    }

    [Fact]
    public void FileResultsShowTheWholeNameWithItsSuffixAndTheDirectoryOnce()
    {
        foreach (var type in new[] { "EncryptionTools.Engine.Files.FileOperationResult", "EncryptionTools.Engine.Inspection.EncryptedFileInfo", "EncryptionTools.Engine.Files.RewrapResult" })
        {
            var wide = Of(type, 120).Table;
            Assert.Contains("quarterly-payroll-report-2026.csv.enc", wide);
            Assert.Contains("Directory: " + Path.Combine(_samples.Root, "some/deeper/directory/with/a/long/name"), wide);
            var narrow = Of(type, 80).Table;
            Assert.Contains("quarterly-payroll-", narrow);
            Assert.True(narrow.Contains(".csv.enc", StringComparison.Ordinal), narrow);
            Assert.DoesNotContain("…", narrow);
        }
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void GrantIdsAreShownWhole(int width)
    {
        var text = Of("EncryptionTools.Engine.Access.Grant", width).Table;
        Assert.True(Regex.IsMatch(text, "GrantId: [0-9a-f]{64}\r?\n"), text);
        Assert.Contains("user:carol", text);
    }

    [Fact]
    public void EncryptedFileInfoListsContextAndKeysAsLines()
    {
        var text = Of("EncryptionTools.Engine.Inspection.EncryptedFileInfo", 120).List;
        Assert.Contains("EncryptionContext : dept=hr, purpose=payroll", text);
        Assert.True(Regex.IsMatch(text, @"EncryptedDataKeys : alias/payroll-archive v1 \(raw-aes\)\r?\n\s+alias/app v1 \(raw-aes\)"), text);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void ADataKeysPlaintextIsNeverPrinted(int width)
    {
        var r = Of("EncryptionTools.Engine.Operations.EncDataKey", width);
        foreach (var text in new[] { r.Table, r.List })
        {
            Assert.Contains("(hidden", text);
            Assert.Contains("(none)", text);
            Assert.DoesNotMatch(@"\{\d+, \d+", text); // bytes as PowerShell lists them
        }
        Assert.Contains("purpose=cache, tenant=contoso", r.List);
    }
}
