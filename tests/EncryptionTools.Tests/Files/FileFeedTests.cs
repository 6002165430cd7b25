using System.Collections.Concurrent;
using System.Security.Cryptography;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Tests.Files;

/// <summary>
/// A fed batch (paths added while it runs, as a PowerShell pipeline gives them): files are grouped as they come, a
/// group waits for more input at most its time limit, and stopping leaves no temporary file.
/// </summary>
public sealed class FileFeedTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _key = new("key-a");

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    private string NewFile(int i)
    {
        var path = _dir.File($"f{i:D4}.bin");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(512));
        return path;
    }

    [Fact]
    public void FilesAddedBeforeTheFeedCompletesArePublishedTogether()
    {
        var publishes = 0;
        using var feed = new FileFeed();
        for (var i = 0; i < 50; i++) feed.Add(NewFile(i));
        feed.Add(_dir.File("f0003.bin")); // a repeat: processed once
        feed.Complete();
        var outcomes = FileProtector.ProtectFeed(feed, new ProtectRequest { Keyrings = [_key.Keyring], BeforePublish = () => publishes++ }).ToList();
        Assert.Equal(50, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.Message));
        // One group unless staging 50 small files took longer than the 1 s group limit (a very busy machine).
        Assert.InRange(publishes, 1, 10);
        Assert.Equal(publishes, outcomes.Max(o => o.Group));
    }

    [Fact]
    public async Task AGroupIsPublishedWhileTheFeedStaysOpenSoResultsDoNotWaitForTheEnd()
    {
        using var feed = new FileFeed();
        var outcomes = new BlockingCollection<FileOutcome>();
        var worker = Task.Run(() =>
        {
            foreach (var o in FileProtector.ProtectFeed(feed, new ProtectRequest { Keyrings = [_key.Keyring] })) outcomes.Add(o);
            outcomes.CompleteAdding();
        });
        feed.Add(NewFile(1));
        // No more input and no Complete: the group's time limit (1 s) publishes it anyway.
        Assert.True(outcomes.TryTake(out var first, TimeSpan.FromSeconds(30)), "the result waited for the end of the input");
        Assert.True(first!.Succeeded);
        Assert.True(File.Exists(first.Destination));
        feed.Add(NewFile(2));
        feed.Complete();
        await worker.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(outcomes);
        Assert.True(File.Exists(_dir.File("f0002.bin.enc")));
    }

    [Fact]
    public async Task CancellingWhileFilesAreStagedLeavesNoTemporaryAndNoPartialOutput()
    {
        using var feed = new FileFeed();
        using var cancel = new CancellationTokenSource();
        var staged = new CountdownEvent(5);
        var request = new ProtectRequest { Keyrings = [_key.Keyring], BeforeEachFile = _ => { if (staged.CurrentCount > 0) staged.Signal(); } };
        var worker = Task.Run(() => FileProtector.ProtectFeed(feed, request, null, cancel.Token).ToList());
        for (var i = 0; i < 5; i++) feed.Add(NewFile(i));
        Assert.True(staged.Wait(TimeSpan.FromSeconds(30)));
        cancel.Cancel(); // the group is held open (no Complete, within its time limit) and is dropped
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker);
        var left = Directory.GetFiles(_dir.Path);
        Assert.DoesNotContain(left, f => f.EndsWith(".etpart", StringComparison.Ordinal));
        // Whatever was published is whole (a group that hit its time limit before the cancel); nothing else exists.
        foreach (var enc in left.Where(f => f.EndsWith(".enc", StringComparison.Ordinal)))
            Assert.True(FileRoute.Unprotect(enc, _dir.File("check"), new UnprotectRequest { Keyrings = [_key.Keyring], Force = true }).BytesOut == 512);
    }

    [Fact]
    public void ABadRequestThrowsBeforeAnyFileIsRead()
    {
        using var feed = new FileFeed();
        Assert.Throws<InvalidDestinationException>(() =>
            FileProtector.ProtectFeed(feed, new ProtectRequest { Keyrings = [_key.Keyring], InPlace = true, Destination = _dir.File("x") }));
    }
}
