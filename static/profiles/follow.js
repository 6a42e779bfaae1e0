// Follow / unfollow without a full reload. Without JavaScript the forms post normally.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("[data-follow-form]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json();
    if (response.status === 401 && data.login_url) {
      window.location.assign(data.login_url);
      return;
    }
    if (!response.ok) throw new Error(data.error || response.statusText);
    const following = data.following;
    const section = form.closest(".follow");
    section.querySelector("[data-followers-count]").textContent = data.followers_count;
    section.querySelector("[data-followers-label]").textContent =
      data.followers_count === 1 ? "follower" : "followers";
    form.action = form.action.replace(following ? /follow\/$/ : /unfollow\/$/, following ? "unfollow/" : "follow/");
    button.textContent = following ? "Following · Unfollow" : "Follow researcher";
    button.setAttribute("aria-pressed", String(following));
  } catch (error) {
    form.submit();
  } finally {
    button.disabled = false;
  }
});
