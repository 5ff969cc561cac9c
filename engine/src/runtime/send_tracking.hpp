// Tracking on the way out (docs/tracking.md): the interpreter hands every action input it is
// about to check and send through here, the one place where an email send gets its one-click
// unsubscribe URL, its open pixel and its tracked links. Nothing here speaks HTTP: it writes
// URLs under the workspace's public base (`tracking: {base_url}` in the config).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/base/clock.hpp>
#include <relance/model/config.hpp>
#include <relance/model/validate.hpp>
#include <relance/store/store.hpp>
#include <relance/tracking/send.hpp>
#include <string>

namespace relance::runtime {

class SendTracking {
  public:
    // `key_source`: where the tracking key comes from (ExecutorOptions::tracking_key); none:
    // tracking::load_key on the store.
    SendTracking(store::Store& store, const Clock& clock, std::function<std::string()> key_source)
        : store_(store), clock_(clock), key_source_(std::move(key_source)) {}

    // What tracking adds to a send of `step`, when the workspace has a public base URL and the
    // action is an email send: the unsubscribe URL unless the step is transactional or the
    // action takes none, the pixel and tracked links as `track` says (the step's over the
    // workflow's). nullopt when there is nothing to add. `message_id` is the send's engine
    // message id, the same on every attempt, so a retry or a recovery builds the same input.
    // Throws when the tracking key cannot be had (a malformed RELANCE_TRACKING_KEY): the step
    // fails saying so.
    std::optional<tracking::SendPlan> plan(const model::ActionSpec* spec,
                                           const model::Workflow& workflow, const model::Step& step,
                                           const std::string& message_id,
                                           const model::Config* config);

  private:
    const std::string& key();

    store::Store& store_;
    const Clock& clock_;
    std::function<std::string()> key_source_;
    std::optional<std::string> key_;  // loaded at the first tracked send
};

}  // namespace relance::runtime
