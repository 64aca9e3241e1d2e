using Orleans.Media.Grains;
using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.Tests.Projects;

public sealed class ProjectTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("a", true)]
    [InlineData("_x-1", true)]
    [InlineData("1abc", false)]
    [InlineData("-abc", false)]
    [InlineData("a b", false)]
    [InlineData("a.b", false)]
    [InlineData("", false)]
    public void Names_follow_the_vendor_rule(string name, bool valid) => Assert.Equal(valid, ProjectName.IsValid(name));

    [Fact]
    public void Name_of_128_is_valid_and_129_is_not()
    {
        Assert.True(ProjectName.IsValid("a" + new string('b', 127)));
        Assert.False(ProjectName.IsValid("a" + new string('b', 128)));
    }

    [Fact]
    public void Create_twice_is_refused()
    {
        var (created, ev) = ProjectTransitions.Create(new ProjectState(), "p", new ProjectSettings { Description = "d" }, Now);
        Assert.True(created.Exists);
        Assert.Equal("d", created.Description);
        Assert.IsType<ProjectCreated>(ev);
        var error = Assert.Throws<ServiceException>(() => ProjectTransitions.Create(created, "p", new ProjectSettings(), Now));
        Assert.Equal("ResourceAlreadyExists", error.Code);
    }

    [Fact]
    public void Delete_is_refused_while_tasks_are_unfinished_and_allowed_after()
    {
        var (p, _) = ProjectTransitions.Create(new ProjectState(), "p", new ProjectSettings(), Now);
        var error = Assert.Throws<ServiceException>(() => ProjectTransitions.Delete(p, unfinishedTasks: 1, Now));
        Assert.Equal("StatusConflict", error.Code);
        var (deleted, ev) = ProjectTransitions.Delete(p, unfinishedTasks: 0, Now);
        Assert.False(deleted.Exists);
        Assert.IsType<ProjectDeleted>(ev);
    }

    [Fact]
    public void Admission_hands_out_the_project_limits()
    {
        var limits = new ProjectLimits { MaxFilesPerArchive = 3 };
        var (p, _) = ProjectTransitions.Create(new ProjectState(), "p", new ProjectSettings { Limits = limits }, Now);
        Assert.Equal(3, ProjectTransitions.Admit(p).MaxFilesPerArchive);
    }

    [Fact]
    public void A_slot_is_free_while_live_slots_and_tasks_told_yes_stay_under_the_concurrency()
    {
        var lease = TimeSpan.FromMinutes(2);
        var (p, _) = ProjectTransitions.Create(new ProjectState(), "p", new ProjectSettings { Limits = new ProjectLimits { EngineConcurrency = 2 } }, Now);
        Assert.True(ProjectTransitions.SlotFree(p, promised: 0, maxPending: 32, Now));
        Assert.True(ProjectTransitions.SlotFree(p, promised: 1, maxPending: 32, Now));
        Assert.False(ProjectTransitions.SlotFree(p, promised: 2, maxPending: 32, Now));
        Assert.False(ProjectTransitions.SlotFree(p, promised: 1, maxPending: 1, Now));

        p = p with { Slots = p.Slots.Acquire("task-1", 2, Now, lease).Slots };
        Assert.True(ProjectTransitions.SlotFree(p, promised: 0, maxPending: 32, Now));
        Assert.False(ProjectTransitions.SlotFree(p, promised: 1, maxPending: 32, Now));

        // An expired lease counts as free.
        p = p with { Slots = p.Slots.Acquire("task-2", 2, Now, lease).Slots };
        Assert.False(ProjectTransitions.SlotFree(p, promised: 0, maxPending: 32, Now));
        Assert.True(ProjectTransitions.SlotFree(p, promised: 0, maxPending: 32, Now + lease + TimeSpan.FromSeconds(1)));
        Assert.False(ProjectTransitions.SlotFree(new ProjectState(), promised: 0, maxPending: 32, Now));
    }

    [Fact]
    public void Update_changes_only_what_it_names_and_keeps_the_slots()
    {
        var (p, _) = ProjectTransitions.Create(new ProjectState(), "p", new ProjectSettings { Description = "d", TemplateId = "t" }, Now);
        p = p with { Slots = p.Slots.Acquire("task-1", 1, Now, TimeSpan.FromMinutes(2)).Slots };

        var (updated, ev) = ProjectTransitions.Update(p, new ProjectSettings { Description = "e" }, Now.AddMinutes(1));

        Assert.Equal("e", updated.Description);
        Assert.Equal("t", updated.TemplateId);
        Assert.Equal(Now, updated.CreateTime);
        Assert.Equal(Now.AddMinutes(1), updated.UpdateTime);
        Assert.True(updated.Slots.Holds("task-1"));
        Assert.IsType<ProjectUpdated>(ev);
        Assert.Equal("ResourceNotFound", Assert.Throws<ServiceException>(() => ProjectTransitions.Update(new ProjectState(), new ProjectSettings(), Now)).Code);
    }

    [Fact]
    public void Missing_project_is_not_found() =>
        Assert.Equal("ResourceNotFound", Assert.Throws<ServiceException>(() => ProjectTransitions.Admit(new ProjectState())).Code);
}
